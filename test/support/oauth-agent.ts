// A browser without the browser, for integration tests of the authorization
// code flow against the test providers (test/support/oauth-server.ts and
// oidc-server.ts, both oidc-provider): follows the provider's redirects with
// a cookie jar and submits its development login and consent forms, as the
// Playwright tests click through them.

import { Agent, fetch as undiciFetch } from "undici";

export class ProviderAgent {
  private cookies = new Map<string, string>();
  private readonly dispatcher?: Agent;

  /** `ca`: the CA of an https provider (the mTLS test server's own). */
  constructor(
    private readonly issuer: string,
    options: { ca?: string } = {},
  ) {
    if (options.ca) this.dispatcher = new Agent({ connect: { ca: options.ca } });
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const send = this.dispatcher ? (undiciFetch as unknown as typeof fetch) : fetch;
    const response = await send(url, {
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Follows redirects until one leaves the issuer; returns that location (or the last page). */
  async follow(url: string, init?: RequestInit): Promise<{ location?: URL; page?: Response }> {
    let response = await this.request(url, init);
    for (let hops = 0; hops < 10; hops += 1) {
      const location = response.headers.get("location");
      if (!location) return { page: response };
      const next = new URL(location, url);
      if (next.origin !== new URL(this.issuer).origin) return { location: next };
      url = next.href;
      response = await this.request(url);
    }
    throw new Error("too many redirects");
  }

  /** Submits the page's (only) form with these fields, following the redirects after it. */
  async submit(page: Response, fields: Record<string, string>) {
    const html = await page.text();
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1]?.replaceAll("&amp;", "&");
    if (!action) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
    return this.follow(new URL(action, this.issuer).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /**
   * From an authorization URL to the callback URL the provider sends the
   * browser back to: signs in as `login` and confirms the consent page.
   * Throws when the provider shows a page instead of redirecting back.
   */
  async signInAndConsent(authorizationUrl: string, login: string): Promise<URL> {
    const loginPage = await this.follow(authorizationUrl);
    if (loginPage.location) return loginPage.location;
    const afterLogin = await this.submit(loginPage.page!, { prompt: "login", login, password: "anything" });
    if (afterLogin.location) return afterLogin.location;
    const done = await this.submit(afterLogin.page!, { prompt: "consent" });
    if (!done.location) throw new Error(`the provider did not redirect back: ${(await done.page!.text()).slice(0, 300)}`);
    return done.location;
  }
}
