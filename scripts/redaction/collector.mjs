// The collector's share of the rules (collector/config.yaml: the redaction processor's
// blocked_values and the transform/redact_body statements). Not generated yet: the collector keeps
// its hand-written patterns until the subset is chosen by measured Go regexp cost. Returning
// undefined leaves the file untouched.
export function collectorSection() {
  return undefined;
}

export function replaceCollectorSection(config, section) {
  if (section === undefined) return config;
  return config;
}
