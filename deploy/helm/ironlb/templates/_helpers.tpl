{{/* The chart's name, or nameOverride. */}}
{{- define "ironlb.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name: fullnameOverride, else the release name when it contains the
chart's name (release "ironlb" gives the names of deploy/default), else release-chart.
*/}}
{{- define "ironlb.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object's metadata. */}}
{{- define "ironlb.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "ironlb.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ironlb
{{- end }}

{{/*
A component's selector: the labels of deploy/default, without the release, so the chart can take over
an install made with kubectl apply -k deploy/default (a Deployment's selector cannot change).
Call with (dict "root" $ "component" "speaker").
*/}}
{{- define "ironlb.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ironlb.name" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* A component's pod labels: the selector, and app/component for the seed's kubectl -l component=speaker. */}}
{{- define "ironlb.podLabels" -}}
{{ include "ironlb.selectorLabels" . }}
app: {{ include "ironlb.name" .root }}
component: {{ .component }}
{{- end }}

{{/* What a workload's metadata adds to ironlb.labels (which has the name already). */}}
{{- define "ironlb.componentLabels" -}}
app.kubernetes.io/component: {{ .component }}
app: {{ include "ironlb.name" .root }}
component: {{ .component }}
{{- end }}

{{- define "ironlb.controller.serviceAccountName" -}}
{{- if .Values.controller.serviceAccount.create }}
{{- default (printf "%s-controller" (include "ironlb.fullname" .)) .Values.controller.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.controller.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ironlb.speaker.serviceAccountName" -}}
{{- if .Values.speaker.serviceAccount.create }}
{{- default (printf "%s-speaker" (include "ironlb.fullname" .)) .Values.speaker.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.speaker.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The controller's leader Lease (--lease-name), which its Role names. */}}
{{- define "ironlb.leaseName" -}}
{{- printf "%s-controller" (include "ironlb.fullname" .) }}
{{- end }}

{{/* The membership Secret (--membership-secret on both), which both Roles name. */}}
{{- define "ironlb.secretName" -}}
{{- required "speaker.secretName must name the membership Secret (default: memberlist)" .Values.speaker.secretName | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* One image for both components; the tag defaults to the chart's appVersion. */}}
{{- define "ironlb.image" -}}
{{- printf "%s:%s" (required "image.repository must name the IronLB image" .Values.image.repository) (default .Chart.AppVersion (toString .Values.image.tag)) }}
{{- end }}

{{/*
A memory quantity in MiB, for the limit check; fails on a form it does not know.
Call with (list "speaker.resources.limits.memory" "320Mi").
*/}}
{{- define "ironlb.mebibytes" -}}
{{- $field := index . 0 }}
{{- $q := toString (index . 1) }}
{{- $units := list (list "Ki" 1024.0) (list "Mi" 1048576.0) (list "Gi" 1073741824.0) (list "Ti" 1099511627776.0) (list "k" 1000.0) (list "M" 1000000.0) (list "G" 1000000000.0) (list "T" 1000000000000.0) }}
{{- $bytes := -1.0 }}
{{- range $units }}
{{- if and (lt $bytes 0.0) (hasSuffix (index . 0) $q) (regexMatch "^[0-9]+(\\.[0-9]+)?$" (trimSuffix (index . 0) $q)) }}
{{- $bytes = mulf (float64 (trimSuffix (index . 0) $q)) (index . 1) }}
{{- end }}
{{- end }}
{{- if and (lt $bytes 0.0) (regexMatch "^[0-9]+$" $q) }}
{{- $bytes = float64 $q }}
{{- end }}
{{- if lt $bytes 0.0 }}
{{- fail (printf "%s: %q is not a memory quantity this chart understands; write it like 320Mi or 1Gi" $field $q) }}
{{- end }}
{{- divf $bytes 1048576.0 | floor }}
{{- end }}

{{/*
Fails when a component's memory limit is below what its JVM needs: the heap (-Xmx) and ~160 MiB
measured outside it (metaspace, code cache, threads). A MetalLB-sized 100Mi would kill the JVM at start.
Call with (dict "component" "speaker" "resources" .Values.speaker.resources "heapMi" 128).
*/}}
{{- define "ironlb.checkMemoryLimit" -}}
{{- $limit := dig "limits" "memory" "" .resources }}
{{- if $limit }}
{{- $field := printf "%s.resources.limits.memory" .component }}
{{- $need := add .heapMi 160 }}
{{- $mi := include "ironlb.mebibytes" (list $field $limit) | float64 }}
{{- if lt $mi (float64 $need) }}
{{- fail (printf "%s: %s is below what the %s's JVM needs (heap -Xmx%dm + ~160Mi outside the heap = %dMi); set at least %dMi (the default is 320Mi)" $field (toString $limit) .component (int .heapMi) (int $need) (int $need)) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
MetalLB's logLevel as IronLB's IRONLB_LOG_LEVEL (logback's root level), set only when it is not the
default info. Call with (list "speaker.logLevel" .Values.speaker.logLevel).
*/}}
{{- define "ironlb.logLevelEnv" -}}
{{- $field := index . 0 }}
{{- $level := toString (index . 1 | default "info") }}
{{- $levels := dict "all" "ALL" "debug" "DEBUG" "info" "INFO" "warn" "WARN" "error" "ERROR" "none" "OFF" }}
{{- if not (hasKey $levels $level) }}
{{- fail (printf "%s: %q is not a log level; use one of all, debug, info, warn, error, none" $field $level) }}
{{- end }}
{{- if ne $level "info" }}
- name: IRONLB_LOG_LEVEL
  value: {{ get $levels $level }}
{{- end }}
{{- end }}

{{/*
A component's JVM flags (between java and -cp), as YAML list items: the main container and the AOT
cache's init container must run with the same ones, or the JVM refuses the cache.
Call with (dict "heapMi" 128 "metaspaceMi" 80).
*/}}
{{- define "ironlb.jvmFlags" -}}
- --enable-native-access=ALL-UNNAMED
- -XX:+UseSerialGC
- -XX:+UseCompactObjectHeaders
- -XX:TieredStopAtLevel=1
- -Xss512k
- -XX:+PerfDisableSharedMem
- -XX:+ExitOnOutOfMemoryError
- -Xms16m
- -Xmx{{ .heapMi }}m
- -Xmn8m
- -XX:MinHeapFreeRatio=10
- -XX:MaxHeapFreeRatio=100
- -XX:MaxMetaspaceSize={{ .metaspaceMi }}m
- -XX:ReservedCodeCacheSize=32m
- -XX:MetaspaceSize=48m
- -XX:SweeperThreshold=50
- -XX:TrimNativeHeapInterval=10000
- -XX:+UnlockDiagnosticVMOptions
- -XX:ArchiveRelocationMode=0
{{- end }}

{{/*
The init container that makes the JVM's AOT cache with `ironlb rehearse` (deploy/default/speaker.yaml
says why and how it fails safe), when aotCache.enabled. Call with (dict "root" $ "jvmFlags" FLAGS "component" NAME).
*/}}
{{- define "ironlb.aotCacheInitContainers" -}}
{{- if .root.Values.aotCache.enabled }}
initContainers:
- name: aot-cache
  image: {{ include "ironlb.image" .root }}
  {{- with .root.Values.image.pullPolicy }}
  imagePullPolicy: {{ . }}
  {{- end }}
  command:
  - java
  {{- .jvmFlags | nindent 2 }}
  - -XX:AOTCacheOutput=/aot/ironlb.aot
  - -cp
  - '@/app/jib-classpath-file'
  - io.ironlb.cli.Main
  args:
  - rehearse
  - --for={{ .component }}
  env:
  - name: MALLOC_ARENA_MAX
    value: "2"
  {{- with .root.Values.aotCache.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities:
      drop: [ALL]
  volumeMounts:
  - name: aot
    mountPath: /aot
  - name: tmp
    mountPath: /tmp
{{- end }}
{{- end }}
