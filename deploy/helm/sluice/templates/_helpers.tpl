{{/* Names, labels and the per-shard job. */}}

{{- define "sluice.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sluice.labels" -}}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "sluice.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "sluice.secretName" -}}
{{- if .Values.secret.existingSecret -}}
{{- .Values.secret.existingSecret -}}
{{- else if .Values.secret.create -}}
{{- printf "%s-credentials" (include "sluice.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The metrics port the job listens on (job.metrics.port, default 8091). */}}
{{- define "sluice.metricsPort" -}}
{{- $m := .Values.job.metrics | default dict -}}
{{- $port := int ($m.port | default 8091) -}}
{{- if eq $port 0 -}}{{- fail "job.metrics.port must be a fixed port (probes and the PodMonitor use it), not 0" -}}{{- end -}}
{{- $port -}}
{{- end -}}

{{/* Refuses values that would break the one-writer or no-secret-in-ConfigMap rules. */}}
{{- define "sluice.validate" -}}
{{- $n := int .Values.shards -}}
{{- if lt $n 1 -}}{{- fail "shards must be at least 1" -}}{{- end -}}
{{- $job := .Values.job -}}
{{- if not (and $job.source $job.sink) -}}{{- fail "job must have source and sink sections (the job file as in docs/config.md)" -}}{{- end -}}
{{- if and (gt $n 1) (hasKey $job.source "shard") -}}
{{- fail "job.source.shard is set by the chart when shards > 1; remove it from job.source" -}}
{{- end -}}
{{- range $k := list "accessKeyId" "secretAccessKey" "sessionToken" -}}
{{- $v := toString (index ($job.s3 | default dict) $k | default "") -}}
{{- if and $v (not (regexMatch "^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$" $v)) -}}
{{- fail (printf "job.s3.%s is a literal credential and would land in a ConfigMap: put it in secret.data (or an existing Secret) and write ${ENV_NAME} in the job" $k) -}}
{{- end -}}
{{- end -}}
{{- $m := $job.metrics | default dict -}}
{{- if and (hasKey $m "enabled") (not $m.enabled) -}}{{- fail "job.metrics.enabled: false leaves the probes nothing to ask; keep the metrics server on" -}}{{- end -}}
{{- if has (toString $m.host) (list "127.0.0.1" "localhost" "::1") -}}
{{- fail "job.metrics.host is a loopback address: the kubelet's probes and Prometheus reach the pod IP; use 0.0.0.0" -}}
{{- end -}}
{{- if lt (int .Values.stopTimeoutSeconds) 1 -}}{{- fail "stopTimeoutSeconds must be at least 1" -}}{{- end -}}
{{- if lt (int .Values.terminationGraceMarginSeconds) 1 -}}
{{- fail "terminationGraceMarginSeconds must be at least 1: Kubernetes must not SIGKILL sluice before its own --stop-timeout ends" -}}
{{- end -}}
{{- end -}}

{{/*
The job of one shard: .Values.job as written for shards = 1; for shards > 1, shard i gets
source.shard "i/N", checkpoint <checkpointLocation>/shard-<i>/ and output <path>/shard=<i>/.
Called with (dict "root" $ "shard" i).
*/}}
{{- define "sluice.shardJob" -}}
{{- $root := .root -}}
{{- $n := int $root.Values.shards -}}
{{- $job := deepCopy $root.Values.job -}}
{{- /* Node's os.availableParallelism() counts the node's cores, not the pod's CPU: default
       job.workers to the CPU request, rounded up. */ -}}
{{- $cpu := toString (dig "requests" "cpu" "" ($root.Values.resources | default dict)) -}}
{{- if and (not (hasKey $job "workers")) $cpu -}}
{{- $w := 1 -}}
{{- if hasSuffix "m" $cpu -}}{{- $w = div (add (trimSuffix "m" $cpu | atoi) 999) 1000 -}}{{- else -}}{{- $w = ceil (float64 $cpu) | int -}}{{- end -}}
{{- $_ := set $job "workers" (max 1 $w) -}}
{{- end -}}
{{- if gt $n 1 -}}
{{- $_ := set $job.source "shard" (printf "%d/%d" .shard $n) -}}
{{- $_ := set $job.sink "path" (printf "%s/shard=%d/" (trimSuffix "/" $job.sink.path) .shard) -}}
{{- $_ := set $job.sink "checkpointLocation" (printf "%s/shard-%d/" (trimSuffix "/" $job.sink.checkpointLocation) .shard) -}}
{{- end -}}
{{- toYaml $job -}}
{{- end -}}

{{/* Name of shard i's objects: the full name, with -shard-<i> when shards > 1. */}}
{{- define "sluice.shardName" -}}
{{- if gt (int .root.Values.shards) 1 -}}
{{- printf "%s-shard-%d" (include "sluice.fullname" .root) .shard -}}
{{- else -}}
{{- include "sluice.fullname" .root -}}
{{- end -}}
{{- end -}}
