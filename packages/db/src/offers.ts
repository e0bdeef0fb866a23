import { gpuModelById } from "@gridlease/sdk/gpus";
import type pg from "pg";
import { getPool } from "./client";
import { OFFER_SELECT } from "./offer-select";
import { MAX_STORED_ID } from "./params";
import { getProviderSummary } from "./providers";

/** Offer reads for the offer API and the offer page (search lives in search.ts and offer-list.ts). */

/** The most price points an offer's history returns: the latest ones, so a long-lived offer's chart ends at today. */
export const PRICE_HISTORY_LIMIT = 500;

export interface PricePoint {
  blockNumber: string;
  pricePerGpuHour: string;
}

/**
 * An offer's price from its listing on: the latest PRICE_HISTORY_LIMIT changes, oldest first (the order
 * a chart draws them). The offer API and the offer page both read it here, so they show the same points.
 */
export async function getPriceHistory(chainId: number, offerId: string, db: pg.Pool = getPool()): Promise<PricePoint[]> {
  const result = await db.query<PricePoint>(
    `select "blockNumber", "pricePerGpuHour" from (
       select block_number::text as "blockNumber", price_per_gpu_hour::text as "pricePerGpuHour", block_number, log_index
       from offer_price_history where chain_id = $1 and offer_id = $2 order by block_number desc, log_index desc limit $3
     ) latest order by block_number, log_index`,
    [chainId, offerId, PRICE_HISTORY_LIMIT],
  );
  return result.rows;
}

export async function getOfferDetail(chainId: number, offerId: string, db: pg.Pool = getPool()) {
  if (BigInt(offerId) > MAX_STORED_ID) return null;
  const offer = await db.query(`select ${OFFER_SELECT} from offer o where o.chain_id = $1 and o.offer_id = $2`, [chainId, offerId]);
  const row = offer.rows[0];
  if (!row) return null;
  const [provider, priceHistory] = await Promise.all([getProviderSummary(chainId, row.provider, db), getPriceHistory(chainId, offerId, db)]);
  return { ...row, gpuLabel: gpuModelById(row.gpuModel)?.label ?? null, provider, priceHistory };
}
