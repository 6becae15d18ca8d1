// Mail addresses as typed into a workflow node: bare addr-specs (RFC 5322 dot-atom local
// part, DNS domain), no display names, no comments, no quoted local parts. Stricter than
// the RFC on purpose: every address reaches an SMTP envelope unchanged.

import { domainToASCII } from "node:url";

const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
const LOCAL_PART = new RegExp(`^[${ATEXT}]+(\\.[${ATEXT}]+)*$`);
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 5321: 64 octets of local part, 254 for a whole path address. */
const MAX_LOCAL = 64;
const MAX_ADDRESS = 254;

/** The domain in ASCII (IDNA), or undefined when it is not a usable host name. */
export function asciiDomain(domain: string): string | undefined {
  if (domain === "" || domain.endsWith(".")) return undefined;
  const ascii = domainToASCII(domain);
  if (!ascii || ascii.length > 253) return undefined;
  return ascii.split(".").every((label) => DNS_LABEL.test(label)) ? ascii : undefined;
}

export function isValidAddress(address: string): boolean {
  if (address.length > MAX_ADDRESS) return false;
  const at = address.lastIndexOf("@");
  if (at <= 0) return false;
  const local = address.slice(0, at);
  if (local.length > MAX_LOCAL || !LOCAL_PART.test(local)) return false;
  return asciiDomain(address.slice(at + 1)) !== undefined;
}

/** The domain part of a valid address, in ASCII (used for Message-ID). */
export function addressDomain(address: string): string {
  return asciiDomain(address.slice(address.lastIndexOf("@") + 1)) ?? "localhost";
}

/** Addresses that fail validation, in the order given. */
export function invalidAddresses(addresses: readonly string[]): string[] {
  return addresses.filter((a) => !isValidAddress(a));
}

/** Case-insensitive de-duplication keeping the first spelling (one RCPT TO per mailbox). */
export function uniqueAddresses(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const key = a.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
