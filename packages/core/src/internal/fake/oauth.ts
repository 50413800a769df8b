/**
 * The OAuth part of the in-memory Pipedrive: `oauth.pipedrive.com`'s authorize, token and
 * revoke endpoints, and the check of a bearer token on API calls. Synchronous, on the time
 * the transport passes in, like the rest of the model.
 */
import * as Wire from "./wire.js"

export interface OAuthOptions {
  /** The app's client id (default `pipedrive-test-client`). */
  readonly clientId?: string | undefined
  /** The app's client secret (default `pipedrive-test-secret`). */
  readonly clientSecret?: string | undefined
  /** How long an access token lives, in seconds (default 3599, as Pipedrive answers). */
  readonly accessTokenTtlSeconds?: number | undefined
  /** Whether each refresh issues a new refresh token and kills the old one (default false). */
  readonly rotateRefreshTokens?: boolean | undefined
  /** The `api_domain` the token responses carry (default `https://test.pipedrive.com`). */
  readonly apiDomain?: string | undefined
  /** The scopes granted (default `base leads:full`). */
  readonly scope?: string | undefined
}

export interface OAuthStats {
  /** Token requests received per `grant_type` (`authorization_code`, `refresh_token`, or what was sent). */
  readonly tokenRequests: Readonly<Record<string, number>>
  /** Token requests refused (any grant), revocations and authorizations received. */
  readonly refused: number
  readonly revocations: number
  readonly authorizations: number
}

/** What a bearer token presented to the API is. */
export type Presented = "valid" | "expired" | "invalid"

export const defaultClientId = "pipedrive-test-client"
export const defaultClientSecret = "pipedrive-test-secret"
export const defaultApiDomain = "https://test.pipedrive.com"

/** How long an authorization code can be exchanged (Pipedrive: 5 minutes). */
const codeTtlMillis = 5 * 60_000

interface Grant {
  refreshToken: string
  revoked: boolean
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Wire.Response => ({
  status,
  headers: { "content-type": Wire.jsonContentType, "cache-control": "no-store", ...headers },
  body: JSON.stringify(body)
})

const oauthError = (status: number, error: string, message: string) =>
  json(status, { success: false, error, message })

const basicCredentials = (header: string | undefined): readonly [string, string] | undefined => {
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim())
  if (match === null) return undefined
  const decoded = atob(match[1]!)
  const colon = decoded.indexOf(":")
  return colon === -1 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)]
}

/** The API's answer to a bearer token that is not (or no longer) good. */
export const unauthorizedBody = (presented: Exclude<Presented, "valid">) => ({
  success: false,
  error: "unauthorized access",
  error_info: presented === "expired" ? "The access token has expired." : "The access token is invalid or revoked.",
  errorCode: 401
})

export class OAuthServer {
  readonly clientId: string
  readonly clientSecret: string
  ttlMillis: number
  rotate: boolean
  private readonly apiDomain: string
  private readonly scope: string
  private issued = 0
  private readonly codes = new Map<string, { redirectUri: string; expiresAt: number }>()
  private readonly grants = new Map<string, Grant>()
  private readonly accessTokens = new Map<string, { grant: Grant; expiresAt: number; revoked: boolean }>()
  private counts = { tokenRequests: {} as Record<string, number>, refused: 0, revocations: 0, authorizations: 0 }

  constructor(options: OAuthOptions = {}, private readonly salt: number = 1) {
    this.clientId = options.clientId ?? defaultClientId
    this.clientSecret = options.clientSecret ?? defaultClientSecret
    this.ttlMillis = Math.round((options.accessTokenTtlSeconds ?? 3599) * 1000)
    this.rotate = options.rotateRefreshTokens ?? false
    this.apiDomain = (options.apiDomain ?? defaultApiDomain).replace(/\/+$/, "")
    this.scope = options.scope ?? "base leads:full"
  }

  private next(kind: string): string {
    return `pdt-${kind}-${this.salt.toString(36)}-${(++this.issued).toString(36).padStart(6, "0")}`
  }

  /** A grant made without the browser step: what a deployment's stored refresh token is. */
  install(): string {
    const grant: Grant = { refreshToken: this.next("refresh"), revoked: false }
    this.grants.set(grant.refreshToken, grant)
    return grant.refreshToken
  }

  private issue(grant: Grant, now: number): Wire.Response {
    const accessToken = this.next("access")
    this.accessTokens.set(accessToken, { grant, expiresAt: now + this.ttlMillis, revoked: false })
    return json(200, {
      access_token: accessToken,
      token_type: "Bearer",
      refresh_token: grant.refreshToken,
      scope: this.scope,
      expires_in: Math.round(this.ttlMillis / 1000),
      api_domain: this.apiDomain
    })
  }

  check(accessToken: string, now: number): Presented {
    const entry = this.accessTokens.get(accessToken)
    if (entry === undefined || entry.revoked || entry.grant.revoked) return "invalid"
    return now >= entry.expiresAt ? "expired" : "valid"
  }

  /** Revokes a token as `/oauth/revoke` does: a refresh token ends its grant, an access token only itself. */
  revoke(token: string): void {
    const grant = this.grants.get(token)
    if (grant !== undefined) grant.revoked = true
    const access = this.accessTokens.get(token)
    if (access !== undefined) access.revoked = true
  }

  /** Whether a request is for this server. */
  static owns(path: string): boolean {
    return path === "/oauth" || path.startsWith("/oauth/")
  }

  handle(request: Wire.Request, now: number): Wire.Response {
    const path = request.path.replace(/\/+$/, "")
    const method = request.method.toUpperCase()
    if (path === "/oauth/authorize" && method === "GET") return this.authorize(request.query, now)
    if ((path === "/oauth/token" || path === "/oauth/revoke") && method === "POST") {
      const credentials = basicCredentials(request.headers.authorization)
      const form = new URLSearchParams(request.body ?? "")
      if (path === "/oauth/token") {
        const grantType = form.get("grant_type") ?? "authorization_code"
        this.counts.tokenRequests[grantType] = (this.counts.tokenRequests[grantType] ?? 0) + 1
      } else {
        this.counts.revocations++
      }
      if (credentials === undefined || credentials[0] !== this.clientId || credentials[1] !== this.clientSecret) {
        this.counts.refused++
        return oauthError(401, "invalid_client", "Invalid client credentials")
      }
      if (path === "/oauth/revoke") {
        const token = form.get("token")
        if (token === null || token === "") return oauthError(400, "invalid_request", "token is required")
        this.revoke(token)
        return json(200, { success: true })
      }
      const answer = this.token(form, now)
      if (answer.status !== 200) this.counts.refused++
      return answer
    }
    return oauthError(404, "not_found", `${method} ${path} is not an OAuth endpoint`)
  }

  private authorize(query: Readonly<Record<string, string>>, now: number): Wire.Response {
    this.counts.authorizations++
    const redirectUri = query.redirect_uri
    if (query.client_id !== this.clientId) return oauthError(400, "invalid_client", "Unknown client_id")
    if (redirectUri === undefined || !/^https?:\/\//.test(redirectUri)) {
      return oauthError(400, "invalid_request", "redirect_uri is required")
    }
    // The user clicked "Allow and install": back to the app with a code.
    const code = this.next("code")
    this.codes.set(code, { redirectUri, expiresAt: now + codeTtlMillis })
    const location = new URL(redirectUri)
    location.searchParams.set("code", code)
    if (query.state !== undefined) location.searchParams.set("state", query.state)
    return { status: 302, headers: { location: location.toString(), "content-length": "0" }, body: "" }
  }

  private token(form: URLSearchParams, now: number): Wire.Response {
    switch (form.get("grant_type") ?? "authorization_code") {
      case "authorization_code": {
        const code = form.get("code") ?? ""
        const entry = this.codes.get(code)
        this.codes.delete(code)
        if (entry === undefined || now >= entry.expiresAt || entry.redirectUri !== form.get("redirect_uri")) {
          return oauthError(400, "invalid_grant", "Invalid grant: authorization code is invalid")
        }
        const grant: Grant = { refreshToken: this.next("refresh"), revoked: false }
        this.grants.set(grant.refreshToken, grant)
        return this.issue(grant, now)
      }
      case "refresh_token": {
        const grant = this.grants.get(form.get("refresh_token") ?? "")
        if (grant === undefined || grant.revoked) {
          return oauthError(400, "invalid_grant", "Invalid grant: refresh token is invalid")
        }
        if (this.rotate) {
          this.grants.delete(grant.refreshToken)
          grant.refreshToken = this.next("refresh")
          this.grants.set(grant.refreshToken, grant)
        }
        return this.issue(grant, now)
      }
      default:
        return oauthError(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
    }
  }

  stats(): OAuthStats {
    return { ...this.counts, tokenRequests: { ...this.counts.tokenRequests } }
  }

  resetStats(): void {
    this.counts = { tokenRequests: {}, refused: 0, revocations: 0, authorizations: 0 }
  }
}
