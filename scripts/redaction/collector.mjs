// The collector's share of the rules: filled in below.
export function collectorSection() {
  return undefined;
}

export function replaceCollectorSection(config, section) {
  if (section === undefined) return config;
  return config;
}
