{{/* Names: <release>-tracelog-collector, or the release name when it already says so. */}}
{{- define "tracelog.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tracelog.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one tier: include "tracelog.selector" (list . "agent") */}}
{{- define "tracelog.selector" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* The gateways' headless Service: the agents' DNS resolver reads its ready pods' addresses. */}}
{{- define "tracelog.gatewayHeadless" -}}
{{- printf "%s-gateway-headless" (include "tracelog.fullname" .) -}}
{{- end -}}

{{/*
GOMEMLIMIT for a tier: memory_limiter's limit_percentage, read from collector/config.yaml itself,
of the container's memory limit. The collector's memory_limiter README recommends GOMEMLIMIT at
80% of the hard limit; config.yaml's limit is 80%, and this keeps the two tied if either moves.
*/}}
{{- define "tracelog.gomemlimit" -}}
{{- $root := index . 0 -}}
{{- $config := $root.Files.Get "files/config.yaml" | fromYaml -}}
{{- $percent := $config.processors.memory_limiter.limit_percentage | int -}}
{{- printf "%dMiB" (div (mul (index . 1) $percent) 100) -}}
{{- end -}}

{{/* Resources of a tier from its values (memory in MiB). */}}
{{- define "tracelog.resources" -}}
requests:
  cpu: {{ .cpuRequest | quote }}
  memory: {{ printf "%dMi" (int .memoryRequestMiB) }}
limits:
  cpu: {{ .cpuLimit | quote }}
  memory: {{ printf "%dMi" (int .memoryLimitMiB) }}
{{- end -}}

{{/* Probes on the health_check extension (collector/config.yaml, TRACELOG_HEALTH_ENDPOINT). */}}
{{- define "tracelog.probes" -}}
livenessProbe:
  httpGet: { path: /, port: health }
  periodSeconds: 10
  failureThreshold: 6
readinessProbe:
  httpGet: { path: /, port: health }
  periodSeconds: 5
  failureThreshold: 2
{{- end -}}

{{/* The environment every tier sets: where it listens, its queue, its telemetry. */}}
{{- define "tracelog.commonEnv" -}}
{{- $root := index . 0 -}}
{{- $tier := index . 1 -}}
{{- $values := index $root.Values $tier -}}
- name: GOMEMLIMIT
  value: {{ include "tracelog.gomemlimit" (list $root (int $values.resources.memoryLimitMiB)) | quote }}
- name: TRACELOG_OTLP_GRPC_ENDPOINT
  value: {{ printf "0.0.0.0:%d" (int $values.ports.otlpGrpc) | quote }}
- name: TRACELOG_OTLP_HTTP_ENDPOINT
  value: {{ printf "0.0.0.0:%d" (int $values.ports.otlpHttp) | quote }}
- name: TRACELOG_HEALTH_ENDPOINT
  value: {{ printf "0.0.0.0:%d" (int $values.ports.health) | quote }}
- name: TRACELOG_STORAGE_DIR
  value: /var/lib/tracelog
- name: TRACELOG_COLLECTOR_SERVICE_NAME
  value: {{ printf "tracelog-%s" $tier | quote }}
- name: TRACELOG_PROMETHEUS_OTLP_ENDPOINT
  value: {{ required "prometheus.otlpEndpoint is required: the Prometheus (3, OTLP receiver on) the collectors push to" $root.Values.prometheus.otlpEndpoint | quote }}
{{- end -}}

{{/* Container ports of a tier. */}}
{{- define "tracelog.containerPorts" -}}
- name: otlp-grpc
  containerPort: {{ .ports.otlpGrpc }}
  protocol: TCP
- name: otlp-http
  containerPort: {{ .ports.otlpHttp }}
  protocol: TCP
- name: health
  containerPort: {{ .ports.health }}
  protocol: TCP
{{- end -}}

{{/* The collector container's hardening: no privilege, read-only root, no capabilities. */}}
{{- define "tracelog.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
