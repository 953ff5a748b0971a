export { Messaging, type MessagingArgs } from "./messaging.ts";
