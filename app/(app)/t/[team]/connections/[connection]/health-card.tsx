import { Time } from "@/components/time";
import { Card } from "@/components/ui";
import { healthView } from "@/lib/health/settings";
import { stateLabel, type ConnectionState } from "@/lib/health/state";
import { HealthSettingsForm, RunCheckNow } from "./health-panel";

const STATE_WORDS: Record<string, { label: string; dot: string }> = {
  WORKING: { label: "Working", dot: "bg-green-500" },
  FAILING: { label: "Failing", dot: "bg-red-500" },
  NEEDS_REAUTH: { label: "Needs re-authorization", dot: "bg-amber-500" },
  AGENT_OFFLINE: { label: "Agent offline", dot: "bg-red-500" },
};

function percent(value: number | null): string {
  if (value === null) return "—";
  return `${(Math.floor(value * 1000) / 10).toFixed(1)}%`;
}

/** The connection's health check: its state, last result, uptime, history of changes, and (for members) its settings. */
export async function HealthCard({ teamId, teamSlug, connectionId, state, canEdit }: { teamId: string; teamSlug: string; connectionId: string; state: ConnectionState; canEdit: boolean }) {
  const view = await healthView(teamId, connectionId);
  const { label } = stateLabel(state);
  const request = view.settings.method ? `${view.settings.method} ${view.settings.path || "/"}` : null;
  return (
    <Card title="Health check" description="Keyway checks this connection on a schedule; its status comes from this check (test requests do not change it).">
      <div className="space-y-4" data-testid="health-card">
        <dl className="grid gap-2 text-sm sm:grid-cols-2">
          <div>
            <dt className="text-slate-600">Status</dt>
            <dd className="font-medium text-slate-900" data-testid="health-state">
              {label}
            </dd>
          </div>
          <div>
            <dt className="text-slate-600">Check</dt>
            <dd className="text-slate-900">
              {request ? (
                <>
                  <span className="font-mono">{request}</span> every {view.settings.intervalMinutes} min{view.settings.enabled ? "" : " (paused)"}
                </>
              ) : (
                "No request yet: the first successful test request becomes it."
              )}
            </dd>
          </div>
          <div>
            <dt className="text-slate-600">Last check</dt>
            <dd className="text-slate-900">{view.last ? (
                <>
                  <Time date={view.last.checkedAt} />: {view.last.summary ?? ""}
                </>
              ) : (
                "Not checked yet"
              )}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Uptime</dt>
            <dd className="text-slate-900" data-testid="health-uptime">
              {percent(view.uptime7)} over 7 days · {percent(view.uptime30)} over 30 days
            </dd>
          </div>
        </dl>
        {canEdit ? <RunCheckNow teamSlug={teamSlug} connectionId={connectionId} /> : null}
        <div>
          <h3 className="text-sm font-medium text-slate-900">Status history</h3>
          {view.timeline.length === 0 ? (
            <p className="mt-1 text-sm text-slate-600">No changes yet.</p>
          ) : (
            <ol className="mt-2 space-y-2" aria-label="Status history">
              {view.timeline.map((change) => {
                const words = STATE_WORDS[change.state] ?? { label: change.state, dot: "bg-slate-400" };
                return (
                  <li key={change.id} className="flex gap-2 text-sm">
                    <span className={`mt-1.5 size-2 shrink-0 rounded-full ${words.dot}`} aria-hidden="true" />
                    <span>
                      <span className="font-medium text-slate-900">{words.label}</span> <Time date={change.at} className="text-slate-600" />
                      <span className="block break-words text-slate-600">{change.summary}</span>
                    </span>
                  </li>
                );
              })}
            </ol>
          )}
        </div>
        {canEdit ? (
          <details className="border-t border-slate-200 pt-3">
            <summary className="cursor-pointer text-sm font-medium text-slate-900">Check settings</summary>
            <div className="mt-3">
              <HealthSettingsForm teamSlug={teamSlug} connectionId={connectionId} settings={view.settings} />
            </div>
          </details>
        ) : null}
      </div>
    </Card>
  );
}
