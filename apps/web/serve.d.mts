/** Types of serve.mjs (the static server of the built page), for the end-to-end test. */
export declare const ISOLATION_HEADERS: Readonly<Record<string, string>>;

/** Serves `dir`; resolves once listening. `isolate: false` leaves the cross-origin isolation headers out. */
export declare function startServer(options: { dir: string; port?: number; host?: string; isolate?: boolean }): Promise<{ url: string; port: number; close(): Promise<void> }>;
