/** What a transport hands the model: a plain request, nothing tied to HTTP libraries. */
export interface Request {
  readonly method: string
  /** The path as it arrives, API prefix included, such as `/api/v1/leads/…` (no query). */
  readonly path: string
  /** Query parameters, first value of each. */
  readonly query: Readonly<Record<string, string>>
  /** Request headers with lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The body text, `undefined` when there is none. */
  readonly body: string | undefined
}

/** What the model answers when it answers normally. */
export interface Response {
  readonly status: number
  /** Response headers with lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * What the transport must do: send a response, send a truncated one, reset the connection
 * (before the request was processed, or after its write was committed), or wait first and
 * then ask `resume` with the time after waiting.
 */
export type Outcome =
  | { readonly _tag: "Respond"; readonly response: Response }
  /** A 2xx whose body text is cut short; `response.body` is already the cut text. */
  | { readonly _tag: "Truncated"; readonly response: Response }
  | { readonly _tag: "Reset"; readonly phase: "beforeProcessing" | "afterCommit" }
  | { readonly _tag: "Delay"; readonly millis: number; readonly resume: (now: number) => Outcome }

/** The body of every Pipedrive error but the gateway's. */
export const errorBody = (error: string, errorInfo: string) => ({
  success: false,
  error,
  error_info: errorInfo,
  data: null,
  additional_data: null
})

export const invalidDataset = "provided dataset is not valid"

export const unauthorizedBody = { success: false, error: "unauthorized access", errorCode: 401 }

export const notFoundBody = errorBody("requested lead not found", "Object was not found.")

/** What Pipedrive's edge sends a client that kept going through 429s: a page, not JSON. */
export const blockedPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Attention Required! | Access denied</title></head>
<body><h1>Sorry, you have been blocked</h1>
<p>You are unable to access api.pipedrive.com. Too many requests were sent after being rate limited.</p>
</body>
</html>
`

export const jsonContentType = "application/json; charset=utf-8"
export const htmlContentType = "text/html; charset=UTF-8"
