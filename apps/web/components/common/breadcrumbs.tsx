import Link from "next/link";
import type { ReactNode } from "react";

/** "Marketplace / …": the trail at the top of a page reached from the marketplace, `here` naming the page. */
export function Breadcrumbs({ children: here }: { children: ReactNode }) {
  return (
    <nav className="text-sm text-slate-400">
      <Link prefetch={false} href="/" className="hover:text-white">
        Marketplace
      </Link>{" "}
      / {here}
    </nav>
  );
}
