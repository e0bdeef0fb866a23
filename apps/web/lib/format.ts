import { formatUnits, type Address } from "viem";

export const TOKEN_DECIMALS = 6;
export const TOKEN_SYMBOL = "USDC";

export function shortAddress(address: Address | string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Token amount (base units) as "1,234.56 USDC"; small amounts keep more digits so they never show as 0. */
export function formatToken(amount: bigint | string | number, options: { symbol?: boolean; digits?: number } = {}): string {
  const value = Number(formatUnits(BigInt(amount), TOKEN_DECIMALS));
  const digits = options.digits ?? (value !== 0 && Math.abs(value) < 0.01 ? 6 : 2);
  const text = value.toLocaleString("en-US", { minimumFractionDigits: Math.min(2, digits), maximumFractionDigits: digits });
  return options.symbol === false ? text : `${text} ${TOKEN_SYMBOL}`;
}

export function formatPricePerHour(amount: bigint | string | number): string {
  return `${formatToken(amount, { symbol: false, digits: 3 })} ${TOKEN_SYMBOL}/GPU·h`;
}

export function formatDuration(totalSeconds: number): string {
  if (totalSeconds <= 0) return "0s";
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = Math.floor(totalSeconds % 60);
  if (days > 0) return `${days}d ${hours}h ${minutes}m`;
  if (hours > 0) return `${hours}h ${minutes}m ${seconds}s`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

export function formatDate(unixSeconds: number | bigint | string | Date): string {
  const date = unixSeconds instanceof Date ? unixSeconds : new Date(Number(unixSeconds) * 1000);
  return `${date.toISOString().replace("T", " ").slice(0, 16)} UTC`;
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return "—";
  return `${(fraction * 100).toFixed(1)}%`;
}
