import { describe, expect, it } from "vitest";
import { MAIL_SERVER_SETTINGS, resolveSmtpSettings, type NodeSmtpValues } from "../../../src/modules/action/_mail/settings.js";
import { readServerSettings } from "../../../src/sdk/server-settings.js";

// Where mail's relay settings come from: the node, else the server, else defaults; and the
// server's credentials only for the server's relay.

// The server's values as the module receives them: parsed by its declared settings.
const server = (values: Record<string, string>) => readServerSettings("mail", MAIL_SERVER_SETTINGS, (key) => values[key]);
const resolve = (node: NodeSmtpValues, values: Record<string, string> = {}) => resolveSmtpSettings(node, server(values));

describe("resolveSmtpSettings", () => {
  it("defaults the port from the security mode", () => {
    expect(resolve({ host: "relay", from: "a@b.c" }).port).toBe(587);
    expect(resolve({ host: "relay", from: "a@b.c", security: "tls" }).port).toBe(465);
    expect(resolve({ host: "relay", from: "a@b.c", security: "none" }).port).toBe(25);
    expect(resolve({ host: "relay", from: "a@b.c" }, { smtp_security: "TLS" })).toMatchObject({ security: "tls", port: 465 });
  });

  it("takes everything from the server when the node leaves it empty", () => {
    expect(
      resolve(
        {},
        {
          smtp_host: "smtp.example.org",
          smtp_port: "2525",
          smtp_security: "none",
          smtp_username: "u",
          smtp_password: "p",
          mail_from: "m@example.org",
          verify_tls: "no",
        },
      ),
    ).toEqual({
      host: "smtp.example.org",
      port: 2525,
      security: "none",
      username: "u",
      password: "p",
      verifyTls: false,
      from: "m@example.org",
      serverCredentials: true,
    });
  });

  it("node values win over server settings", () => {
    const s = resolve(
      { host: "smtp.example.org", port: 465, security: "tls", verifyTls: true, from: "n@example.org" },
      { smtp_host: "smtp.example.org", smtp_port: "2525", verify_tls: "false", mail_from: "m@example.org" },
    );
    expect(s).toMatchObject({ port: 465, security: "tls", verifyTls: true, from: "n@example.org" });
  });

  it("keeps the server's credentials for the server's relay only", () => {
    const values = { smtp_host: "smtp.example.org", smtp_username: "u", smtp_password: "p", mail_from: "m@example.org" };
    expect(resolve({ host: "SMTP.example.org" }, values)).toMatchObject({ username: "u", password: "p", serverCredentials: true });
    expect(resolve({ host: "attacker.example" }, values)).toMatchObject({
      username: undefined,
      password: undefined,
      serverCredentials: false,
    });
    expect(resolve({ username: "own", password: "pw" }, values)).toMatchObject({
      username: "own",
      password: "pw",
      serverCredentials: false,
    });
  });

  it.each([
    [{}, {}, /no SMTP relay/],
    [{ host: "relay" }, {}, /no sender/],
    [{ host: "relay", from: "a@b.c" }, { smtp_security: "ssl" }, /smtp_security must be one of starttls, tls, none/],
    [{ host: "relay", from: "a@b.c" }, { smtp_port: "x25" }, /smtp_port must be a whole number between 1 and 65535/],
    [{ host: "relay", from: "a@b.c" }, { verify_tls: "maybe" }, /verify_tls must be true or false/],
    [{ host: "relay", from: "a@b.c", password: "p" }, {}, /smtp_password is set but smtp_username is not/],
  ])("refuses %j with server settings %j", (node, values, error) => {
    expect(() => resolve(node as NodeSmtpValues, values as Record<string, string>)).toThrow(error);
  });
});
