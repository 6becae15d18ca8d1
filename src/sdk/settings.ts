// Settings of expansion modules. MISP declares one admin setting per name
// (`Plugin.Enrichment_<module>_<name>`), sends them back in `config` (null when unset)
// and only supports plain strings (docs/protocol.md#expansion-settings). The server configuration can provide a
// value too, so secrets and base URLs can live on our side.

export interface SettingSpec {
  readonly description: string;
  /** Used when neither MISP nor the server configuration gives a value. */
  readonly default?: string;
  /** Redacted from logs and errors. */
  readonly secret: boolean;
}

export const setting = {
  text(o: { description: string; default?: string; secret?: boolean }): SettingSpec {
    return { description: o.description, default: o.default, secret: o.secret ?? false };
  },
};
