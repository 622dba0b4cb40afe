/**
 * The emulator's OAuth issuer (protocol §2): authorize with PKCE, code exchange, refresh
 * with rotating single-use refresh tokens, the API-key exchange, revoke, and the
 * device-code endpoints. State lives in memory; tokens are unsigned JWTs with real `exp`.
 *
 * @internal
 */
import * as NodeCrypto from "node:crypto"

type Json = Record<string, unknown>

/** A reply of the issuer, turned into an HTTP response by the emulator. @internal */
export interface IssuerReply {
  readonly status: number
  readonly body: Json | string
  readonly headers?: Readonly<Record<string, string>>
}

/** @internal */
export interface IssuerOptions {
  /** Access-token lifetime in seconds (default 3600). */
  readonly accessTokenTtl?: number
  /** The account every login lands in (default `acct_emulated`). */
  readonly accountId?: string
  /** The device-code polling interval the issuer announces, in seconds (default 1). */
  readonly deviceInterval?: number
  /** Pending polls before a device code is approved (default 1). */
  readonly devicePendingPolls?: number
  /** Answer the API-key exchange (default true). */
  readonly apiKeyExchange?: boolean
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

/** An unsigned JWT. @internal */
export const jwt = (claims: Json): string =>
  `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.emulated-signature`

const random = (bytes = 16) => NodeCrypto.randomBytes(bytes).toString("base64url")

const challengeOf = (verifier: string) => NodeCrypto.createHash("sha256").update(verifier, "ascii").digest("base64url")

const oauthError = (status: number, code: string, message: string): IssuerReply => ({
  status,
  body: { error: { code, message } }
})

/** The most codes, refresh tokens and device sign-ins the issuer keeps (the oldest go first). */
const maxKept = 10_000

/** Sets `key`, forgetting the oldest entries beyond {@link maxKept}: a running emulator does not grow without bound. */
const remember = <V>(map: Map<string, V>, key: string, value: V): void => {
  map.set(key, value)
  for (const oldest of map.keys()) {
    if (map.size <= maxKept) break
    map.delete(oldest)
  }
}

const isLoopbackUrl = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.protocol === "http:" &&
      (url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]")
  } catch {
    return false
  }
}

/** @internal */
export class Issuer {
  private readonly codes = new Map<string, { challenge: string; redirectUri: string }>()
  /** Refresh token → its state. Rotation marks the old one used. */
  private readonly refreshTokens = new Map<string, "valid" | "used" | "revoked">()
  private readonly devices = new Map<string, { userCode: string; polls: number }>()
  /** Refresh requests received. */
  refreshRequests = 0
  /** Revoke requests received. */
  revocations = 0

  constructor(readonly issuerUrl: string, readonly options: IssuerOptions = {}) {}

  get accountId(): string {
    return this.options.accountId ?? "acct_emulated"
  }

  /** Issues a fresh set of tokens (also for tests that seed a store). */
  issue(
    ttlSeconds = this.options.accessTokenTtl ?? 3600
  ): { idToken: string; accessToken: string; refreshToken: string } {
    const auth = {
      chatgpt_account_id: this.accountId,
      chatgpt_user_id: "user-emulated",
      chatgpt_plan_type: "plus",
      chatgpt_account_is_fedramp: false
    }
    const now = Math.floor(Date.now() / 1000)
    const refreshToken = `rt_${random()}`
    remember(this.refreshTokens, refreshToken, "valid")
    return {
      idToken: jwt({
        iss: this.issuerUrl,
        email: "user@example.com",
        exp: now + 3600,
        "https://api.openai.com/auth": {
          ...auth,
          organization_id: "org-emulated",
          is_org_owner: true,
          completed_platform_onboarding: true
        }
      }),
      accessToken: jwt({
        iss: this.issuerUrl,
        exp: now + ttlSeconds,
        jti: random(8),
        "https://api.openai.com/auth": auth
      }),
      refreshToken
    }
  }

  private tokenReply(ttl?: number): IssuerReply {
    const tokens = this.issue(ttl)
    return {
      status: 200,
      body: {
        id_token: tokens.idToken,
        access_token: tokens.accessToken,
        refresh_token: tokens.refreshToken,
        token_type: "Bearer",
        expires_in: ttl ?? this.options.accessTokenTtl ?? 3600
      }
    }
  }

  /** `GET /oauth/authorize`: checks the parameters, redirects back with a code. */
  authorize(query: URLSearchParams): IssuerReply {
    const required = [
      "response_type",
      "client_id",
      "redirect_uri",
      "scope",
      "code_challenge",
      "code_challenge_method",
      "state"
    ]
    const missing = required.filter((name) => !query.get(name))
    if (missing.length > 0) return oauthError(400, "missing_required_parameter", `Missing: ${missing.join(", ")}`)
    if (query.get("response_type") !== "code" || query.get("code_challenge_method") !== "S256") {
      return oauthError(400, "invalid_request", "response_type must be code and code_challenge_method S256")
    }
    const redirectUri = query.get("redirect_uri") ?? ""
    if (!isLoopbackUrl(redirectUri)) {
      return oauthError(
        400,
        "invalid_request",
        "redirect_uri must be an http URL on loopback (localhost, 127.0.0.1, [::1])"
      )
    }
    const code = `ac_${random()}`
    remember(this.codes, code, { challenge: query.get("code_challenge") ?? "", redirectUri })
    const location = `${redirectUri}?code=${encodeURIComponent(code)}&state=${
      encodeURIComponent(query.get("state") ?? "")
    }`
    return { status: 302, body: "", headers: { location } }
  }

  /** `POST /oauth/token`: the three form grants and the JSON refresh grant. */
  token(contentType: string, raw: string): IssuerReply {
    if (contentType.includes("application/json")) {
      let body: unknown
      try {
        body = JSON.parse(raw)
      } catch {
        return oauthError(400, "invalid_request", "body is not JSON")
      }
      const fields = typeof body === "object" && body !== null ? (body as Json) : {}
      if (fields["grant_type"] !== "refresh_token") {
        return oauthError(400, "unsupported_grant_type", "JSON bodies carry the refresh grant")
      }
      // Older clients (the Python codex-backend-sdk 0.3) send `scope: "openid profile email"`; the real issuer accepts it.
      return this.refresh(String(fields["refresh_token"] ?? ""))
    }
    const form = new URLSearchParams(raw)
    switch (form.get("grant_type")) {
      case "authorization_code": {
        const entry = this.codes.get(form.get("code") ?? "")
        if (entry === undefined) return oauthError(400, "invalid_grant", "unknown or used authorization code")
        this.codes.delete(form.get("code") ?? "")
        if (entry.redirectUri !== form.get("redirect_uri")) {
          return oauthError(400, "invalid_grant", "redirect_uri mismatch")
        }
        if (challengeOf(form.get("code_verifier") ?? "") !== entry.challenge) {
          return oauthError(400, "invalid_grant", "code_verifier does not match the code_challenge")
        }
        return this.tokenReply()
      }
      case "urn:ietf:params:oauth:grant-type:token-exchange":
        if (this.options.apiKeyExchange === false || form.get("requested_token") !== "openai-api-key") {
          return oauthError(400, "invalid_request", "no Platform organisation for this account")
        }
        return { status: 200, body: { access_token: `sk-emulated-${random()}`, token_type: "Bearer" } }
      default:
        return oauthError(400, "unsupported_grant_type", `grant_type ${String(form.get("grant_type"))}`)
    }
  }

  private refresh(token: string): IssuerReply {
    this.refreshRequests++
    const state = this.refreshTokens.get(token)
    if (state === "used") {
      return oauthError(
        401,
        "refresh_token_reused",
        "Your refresh token has already been used to generate a new access token."
      )
    }
    if (state !== "valid") {
      return oauthError(401, "refresh_token_invalidated", "Your refresh token has been invalidated.")
    }
    this.refreshTokens.set(token, "used")
    return this.tokenReply()
  }

  /** `POST /oauth/revoke`. */
  revoke(raw: string): IssuerReply {
    this.revocations++
    let token = ""
    try {
      token = String((JSON.parse(raw) as Json)["token"] ?? "")
    } catch {
      return oauthError(400, "invalid_request", "body is not JSON")
    }
    if (this.refreshTokens.has(token)) this.refreshTokens.set(token, "revoked")
    return { status: 200, body: {} }
  }

  /** `POST /api/accounts/deviceauth/usercode`. */
  userCode(): IssuerReply {
    const id = `dev_${random()}`
    const userCode = `${NodeCrypto.randomBytes(2).toString("hex").toUpperCase()}-${
      NodeCrypto.randomBytes(2).toString("hex").toUpperCase()
    }`
    remember(this.devices, id, { userCode, polls: 0 })
    return {
      status: 200,
      body: { device_auth_id: id, user_code: userCode, interval: String(this.options.deviceInterval ?? 1) }
    }
  }

  /** `POST /api/accounts/deviceauth/token`: 403 while pending, then the code and its verifier. */
  deviceToken(raw: string): IssuerReply {
    let fields: Json = {}
    try {
      fields = JSON.parse(raw) as Json
    } catch {
      return oauthError(400, "invalid_request", "body is not JSON")
    }
    const device = this.devices.get(String(fields["device_auth_id"] ?? ""))
    if (device === undefined || device.userCode !== fields["user_code"]) {
      return oauthError(400, "invalid_request", "unknown device code")
    }
    device.polls++
    if (device.polls <= (this.options.devicePendingPolls ?? 1)) {
      return { status: 403, body: { error: "authorization_pending" } }
    }
    this.devices.delete(String(fields["device_auth_id"]))
    const verifier = random(64)
    const code = `ac_${random()}`
    remember(this.codes, code, {
      challenge: challengeOf(verifier),
      redirectUri: `${this.issuerUrl}/deviceauth/callback`
    })
    return {
      status: 200,
      body: { authorization_code: code, code_challenge: challengeOf(verifier), code_verifier: verifier }
    }
  }
}

/** The fields of an issuer request that are credentials (or lead to one). */
const secretFields = new Set([
  "refresh_token",
  "code",
  "code_verifier",
  "subject_token",
  "token",
  "access_token",
  "id_token",
  "client_secret",
  "device_auth_id",
  "user_code"
])

/**
 * An issuer request body (form or JSON) with its credential fields replaced by
 * `[redacted]`, for the request log (`codex-backend emulator --log`): a log file must not
 * hold a token that works.
 *
 * @internal
 */
export const redactIssuerBody = (raw: string): string => {
  try {
    const json: unknown = JSON.parse(raw)
    if (typeof json === "object" && json !== null && !Array.isArray(json)) {
      const fields: Record<string, unknown> = { ...json }
      for (const key of Object.keys(fields)) if (secretFields.has(key)) fields[key] = "[redacted]"
      return JSON.stringify(fields)
    }
  } catch {
    // a form body
  }
  const form = new URLSearchParams(raw)
  const secrets = [...form.keys()].filter((key) => secretFields.has(key))
  for (const key of secrets) form.set(key, "[redacted]")
  return secrets.length === 0 ? raw : form.toString()
}
