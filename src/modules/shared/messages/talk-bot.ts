import { createHmac, randomBytes } from "node:crypto";

// Nextcloud Talk bot authentication: the sender picks a random string and signs
// random + message text (not the JSON body) with the bot's shared secret, HMAC-SHA256 in hex.

export interface BotSignature {
  random: string;
  signature: string;
}

export function signBotMessage(secret: string, message: string, random: string = randomBytes(32).toString("hex")): BotSignature {
  const signature = createHmac("sha256", secret)
    .update(random + message, "utf8")
    .digest("hex");
  return { random, signature };
}

/** 64 hex characters, as Talk expects for referenceId. */
export function newReferenceId(): string {
  return randomBytes(32).toString("hex");
}
