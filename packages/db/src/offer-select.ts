/** The API's offer columns (camelCase, exact decimal strings for amounts), shared by offer and provider reads. */
export const OFFER_SELECT = `o.offer_id::text as "offerId", o.provider, o.gpu_model as "gpuModel", o.gpu_count as "gpuCount",
  o.free_units as "freeUnits", o.vram_gb as "vramGb", o.cpu_cores as "cpuCores", o.ram_gb::float8 as "ramGb",
  o.disk_gb::float8 as "diskGb", o.bandwidth_mbps::float8 as "bandwidthMbps", o.region,
  o.price_per_gpu_hour::text as "pricePerGpuHour", o.min_hours::float8 as "minHours", o.max_hours::float8 as "maxHours",
  o.status, o.listed_block::text as "listedBlock", o.finalized`;
