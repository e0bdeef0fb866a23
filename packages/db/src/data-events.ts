import pg from "pg";

/**
 * PostgreSQL LISTEN/NOTIFY channel on which writers announce new data: the indexer after each committed
 * batch (and rollback), the web API after a heartbeat changed uptime. Every web process listens and
 * drops its cached data version at once, instead of each polling the database for it.
 */
export const DATA_CHANNEL = "gridlease_data";

export interface DataEvent {
  chainId: number;
  /** Who wrote: the indexer (a batch or a rollback), a web process (heartbeat) or the watcher (a GPU check result, issue 21). */
  source: "indexer" | "heartbeat" | "gpu-check";
  /** The indexer's cursor block after the batch; null for heartbeats. */
  block: string | null;
  /** False for a batch of empty blocks: caches keyed on the data version stay valid. */
  dataChanged: boolean;
}

/**
 * Queues the notification in the caller's transaction: PostgreSQL delivers it only when (and if) that
 * transaction commits, so a listener never hears of data it cannot read yet.
 */
export async function notifyData(client: Pick<pg.ClientBase, "query">, event: DataEvent): Promise<void> {
  await client.query("select pg_notify($1, $2)", [DATA_CHANNEL, JSON.stringify(event)]);
}

export interface DataListener {
  /** Resolves once LISTEN is in place (notifications from then on are delivered). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Listens on DATA_CHANNEL over one dedicated connection (a pooled one would be handed to other queries).
 * A dropped connection is re-opened with backoff; since notifications sent meanwhile are lost,
 * `onEvent(null)` then says "anything may have changed" and the caller drops its caches.
 */
export function listenForData(
  connectionString: string,
  onEvent: (event: DataEvent | null) => void,
  log: (line: string) => void = () => undefined,
): DataListener {
  return listenChannels(
    connectionString,
    [DATA_CHANNEL],
    (_channel, payload) => {
      if (payload === null) return onEvent(null);
      try {
        onEvent(JSON.parse(payload) as DataEvent);
      } catch {
        onEvent(null);
      }
    },
    log,
  );
}

/**
 * LISTEN on `channels` over one dedicated connection, re-opened with backoff when it drops. After every
 * (re)connect, `onMessage(channel, null)` is called for each channel: notifications sent while nobody
 * listened are lost, so the caller treats it as "anything may have changed".
 */
export function listenChannels(
  connectionString: string,
  channels: string[],
  onMessage: (channel: string, payload: string | null) => void,
  log: (line: string) => void = () => undefined,
): DataListener {
  for (const channel of channels) if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let client: pg.Client | null = null;
  let closed = false;
  let delayMs = 250;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString });
    next.on("notification", (message) => {
      if (channels.includes(message.channel)) onMessage(message.channel, message.payload ?? "");
    });
    next.on("error", (error) => {
      log(`listener: PostgreSQL connection failed (${error.message}); reconnecting`);
      retry(next);
    });
    next.on("end", () => retry(next));
    try {
      await next.connect();
      for (const channel of channels) await next.query(`listen ${channel}`);
    } catch (error) {
      log(`listener: cannot listen (${error instanceof Error ? error.message : String(error)}); retrying in ${delayMs} ms`);
      retry(next);
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    delayMs = 250;
    for (const channel of channels) onMessage(channel, null); // whatever was announced while nobody listened is unknown
    markReady();
  };

  const retried = new WeakSet<pg.Client>();
  const retry = (failed: pg.Client) => {
    // "error" and "end" both arrive for one failure: reconnect once per connection.
    if (closed || retried.has(failed)) return;
    retried.add(failed);
    if (client === failed) client = null;
    failed.removeAllListeners("end");
    failed.end().catch(() => undefined);
    const wait = delayMs;
    delayMs = Math.min(delayMs * 2, 5_000);
    setTimeout(() => void connect(), wait).unref();
  };

  void connect();
  return {
    ready,
    async close() {
      closed = true;
      const current = client;
      client = null;
      current?.removeAllListeners("end");
      await current?.end().catch(() => undefined);
    },
  };
}
