import { siAtlassian, siGithub, siGoogle, siHubspot, siOpenid, type SimpleIcon } from "simple-icons";
import { providerTemplate } from "@/lib/oauth/providers";
import { PlugIcon } from "./icons";

// Brand marks from simple-icons (CC0-1.0). Named imports only, in a server
// component: the few marks used are rendered into the HTML and nothing of the
// set reaches the browser's bundle. Templates whose brand the set does not
// carry (it removes marks on the owners' request) get their initial instead.
const ICONS: Record<string, SimpleIcon> = {
  google: siGoogle,
  github: siGithub,
  atlassian: siAtlassian,
  hubspot: siHubspot,
  oidc: siOpenid,
};

const frame = "flex h-8 w-8 shrink-0 items-center justify-center rounded-md border border-slate-200 bg-white text-slate-700";

/** The provider's mark for a connection made from a template, a neutral plug for any other. */
export function ProviderIcon({ provider }: { provider: string | null | undefined }) {
  const icon = provider ? ICONS[provider] : undefined;
  const name = provider ? (providerTemplate(provider)?.name ?? (provider === "oidc" ? "OpenID Connect" : undefined)) : undefined;
  if (icon) {
    return (
      <span className={frame} title={name} data-testid="provider-icon" data-provider={provider}>
        <svg role="img" aria-label={name ?? icon.title} viewBox="0 0 24 24" className="h-4 w-4" fill="currentColor">
          <path d={icon.path} />
        </svg>
      </span>
    );
  }
  if (name) {
    return (
      <span className={frame} title={name} data-testid="provider-icon" data-provider={provider}>
        <span role="img" aria-label={name} className="text-sm font-semibold">
          {name.charAt(0)}
        </span>
      </span>
    );
  }
  return (
    <span className={`${frame} text-slate-500`} aria-hidden="true">
      <PlugIcon />
    </span>
  );
}
