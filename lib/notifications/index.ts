// Notification channels of a team and the delivery of its events (README, "Notifications").
export * from "./channels";
export { listDeliveries, redeliver, sendTestEvent, sendDigests, MAX_ATTEMPTS, type DeliveryRow } from "./deliver";
export { mailConfigured } from "./mail";
