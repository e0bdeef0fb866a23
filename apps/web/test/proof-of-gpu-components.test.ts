import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { CheckList } from "@/components/proof-of-gpu/check-list";
import { FlaggedProviderNotice, VerifiedBadge } from "@/components/proof-of-gpu/verified-badge";
import type { CheckEvidence } from "@/lib/server/proof-of-gpu";

/** The Proof of GPU evidence as the offer and provider pages render it (server components, static markup). */
const check: CheckEvidence = {
  checkId: `0x${"ab".repeat(32)}`,
  provider: "0x8c3229ec621644789d7f61faa82c6d0e5f97d43d",
  offerId: "7",
  gpuModel: "H100-SXM",
  gpuCount: 8,
  checker: "0xe77478d9e136d3643cfc6fef578abf63f9ab91b1",
  trusted: true,
  seedBlock: "1234",
  seed: `0x${"5".repeat(64)}`,
  matrixSize: 64,
  products: 600,
  audited: 4,
  rounds: 2,
  outcome: "Passed",
  reason: null,
  elapsedMs: 378,
  deadlineMs: 3637,
  commitment: `0x${"c".repeat(64)}`,
  signature: `0x${"1".repeat(130)}`,
  checkedAt: "2026-12-01T08:47:17.038Z",
  signatureValid: true,
};

const html = (element: Parameters<typeof renderToStaticMarkup>[0]) => renderToStaticMarkup(element);

describe("Proof of GPU components", () => {
  it("badge names the model without the vendor and the check's UTC wall-clock time", () => {
    const badge = html(createElement(VerifiedBadge, { gpuModel: "H100-SXM", checkedAt: check.checkedAt }));
    expect(badge).toContain("Verified H100 SXM");
    expect(badge).not.toContain("NVIDIA");
    expect(badge).toContain("checked 2026-12-01 08:47 UTC");
  });

  it("lists each check's elapsed time against its deadline, seed block, trust and signature status", () => {
    const unreachable: CheckEvidence = {
      ...check,
      checkId: `0x${"cd".repeat(32)}`,
      outcome: "Unreachable",
      reason: "no endpoint registered",
      elapsedMs: null,
      trusted: false,
      signatureValid: false,
    };
    const table = html(createElement(CheckList, { checks: [check, unreachable], showOffer: true }));
    expect(table).toContain("378 ms of 3637 ms");
    expect(table).toContain("no answer · deadline 3637 ms");
    expect(table).toContain("no endpoint registered");
    expect(table).toContain(">1234<");
    expect(table).toContain('href="/offers/7"');
    expect(table).toContain("✓ valid");
    expect(table).toContain("✗ does not verify");
    expect(table).toContain("not trusted: ignored for badges");
    expect(html(createElement(CheckList, { checks: [] }))).toContain("No GPU checks yet.");
  });

  it("flag notice says how many checks in a row failed and links the history", () => {
    const notice = html(
      createElement(FlaggedProviderNotice, { failures: 3, lastOutcome: "TimedOut", lastReason: "answered after 5100 ms", href: "#gpu-checks" }),
    );
    expect(notice).toContain("last 3 GPU checks did not pass");
    expect(notice).toContain("TimedOut — answered after 5100 ms");
    expect(notice).toContain('href="#gpu-checks"');
  });
});
