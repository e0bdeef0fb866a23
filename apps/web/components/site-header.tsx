import Link from "next/link";
import { LazyWalletArea } from "./wallet/lazy-wallet-area";

const NAV = [
  { href: "/", label: "Marketplace" },
  { href: "/rentals", label: "Rentals" },
  { href: "/provider", label: "Provide" },
  { href: "/provide", label: "Agent" },
  { href: "/stats", label: "Stats" },
  { href: "/notifications", label: "Alerts" },
  { href: "/admin", label: "Arbiter" },
];

// Links do not prefetch: every page is rendered per request from live data, and the dashboards
// refresh themselves every few seconds, which would re-prefetch every visible link each time.
export function SiteHeader() {
  return (
    <header className="sticky top-0 z-40 border-b border-slate-800 bg-slate-950/90 backdrop-blur">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <Link prefetch={false} href="/" className="text-lg font-bold tracking-tight">
          Grid<span className="text-indigo-400">lease</span>
        </Link>
        {/* Wraps instead of scrolling: a sideways-scrolling nav hides links on a phone (375 px) with no hint they exist. */}
        <nav className="order-3 flex w-full min-w-0 flex-wrap gap-1 text-sm sm:order-none sm:w-auto" aria-label="Main" data-testid="main-nav">
          {NAV.map((item) => (
            <Link
              prefetch={false}
              key={item.href}
              href={item.href}
              className="rounded-md px-1.5 py-1 whitespace-nowrap text-slate-300 hover:bg-slate-800 hover:text-white sm:px-2"
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="ml-auto">
          <LazyWalletArea />
        </div>
      </div>
    </header>
  );
}
