/**
 * What the test and its worker processes (`worker.ts`) say to each other: the worker's
 * configuration as its one argument (JSON), and lines on its stdout starting with `marker`.
 */

export interface WorkerConfig {
  readonly baseUrl: string
  readonly token: string
  readonly ids: ReadonlyArray<string>
  /** The client's rate limits. */
  readonly rateLimit: {
    readonly requestsPerWindow: number
    readonly window: `${number} millis`
  }
  /** The Redis store's URL, or `null` for the default in-memory store. */
  readonly redisUrl: string | null
  /**
   * OAuth instead of `token`: the app at the fake's OAuth server, its tokens in the Redis
   * token store at `redisUrl` (the rate limits are then counted in this process).
   */
  readonly oauth?: {
    readonly clientId: string
    readonly clientSecret: string
    readonly oauthUrl: string
    readonly refreshSkew: `${number} millis`
  } | undefined
}

export type WorkerMessage =
  | { readonly _tag: "Ready" }
  | {
    readonly _tag: "Done"
    readonly ok: number
    /** Failures by error tag. */
    readonly failures: Readonly<Record<string, number>>
  }

export const marker = "@@worker "
