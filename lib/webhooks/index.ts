// The webhook receiver and the events it keeps (SPEC.md, "Webhooks (authentication type None)").
export * from "./limits";
export { signBody, verifySignature, type SignatureSettings } from "./signature";
export { receiveWebhook, readBodyWithin, headersToStore, webhookSecretContext, type ReceiveOutcome } from "./receive";
export { storeEvent, pruneEvents, countRefusal, retentionCutoff, PRUNE_EVERY, type EventToStore } from "./store";
export { listWebhookEvents, webhookEventsBefore, findWebhookEvent, findWebhookConnection, describeBody, BODY_DISPLAY_BYTES } from "./events";
export type { WebhookEventSummary, WebhookEventDetail, WebhookBodyView, WebhookEventsPage } from "./events";
export { webhookSigning, updateWebhookSigning, type WebhookSigningView } from "./signing";
