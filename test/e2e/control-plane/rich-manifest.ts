/**
 * One manifest that uses the fields people commonly write, for every served built-in kind: the
 * field-validation e2e applies it with fieldValidation=Strict and checks that every field sent
 * is stored (nothing mistaken for unknown, nothing pruned).
 */
export const RICH_MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: rich
  labels: {team: platform}
  annotations: {owner: someone@example.com}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: rich}
automountServiceAccountToken: false
imagePullSecrets: [{name: registry}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: rich}
data:
  app.properties: |
    color=blue
  LOG_LEVEL: debug
binaryData:
  blob: AAEC
immutable: false
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret, namespace: rich}
type: Opaque
data:
  password: c2VjcmV0
stringData:
  token: abc
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: rich
  labels: {app: app, tier: web}
  annotations: {kubernetes.io/change-cause: initial}
spec:
  replicas: 2
  revisionHistoryLimit: 5
  minReadySeconds: 3
  progressDeadlineSeconds: 120
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector:
    matchLabels: {app: app}
    matchExpressions:
    - {key: tier, operator: In, values: [web]}
  template:
    metadata:
      labels: {app: app, tier: web}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      serviceAccountName: app
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 20
      dnsPolicy: ClusterFirst
      dnsConfig:
        options: [{name: ndots, value: "2"}]
      hostAliases:
      - {ip: 10.1.2.3, hostnames: [legacy.local]}
      nodeSelector: {kubernetes.io/os: linux}
      priority: 0
      enableServiceLinks: false
      shareProcessNamespace: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        fsGroup: 2000
        seccompProfile: {type: RuntimeDefault}
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 10
            preference:
              matchExpressions: [{key: zone, operator: In, values: [a, b]}]
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 50
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector: {matchLabels: {app: app}}
      tolerations:
      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: ScheduleAnyway
        labelSelector: {matchLabels: {app: app}}
      initContainers:
      - name: init
        image: busybox:1.36
        command: [sh, -c, "echo ready > /work/ready"]
        volumeMounts: [{name: work, mountPath: /work}]
      containers:
      - name: app
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        command: [nginx]
        args: [-g, daemon off;]
        workingDir: /usr/share/nginx
        ports:
        - {name: http, containerPort: 8080, protocol: TCP}
        - {name: metrics, containerPort: 9090}
        env:
        - {name: MODE, value: production}
        - name: LOG_LEVEL
          valueFrom: {configMapKeyRef: {name: app-config, key: LOG_LEVEL, optional: true}}
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: app-secret, key: password}}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: CPU_LIMIT
          valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}
        envFrom:
        - configMapRef: {name: app-config}
          prefix: CFG_
        - secretRef: {name: app-secret, optional: true}
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 500m, memory: 256Mi}
        volumeMounts:
        - {name: config, mountPath: /etc/app, readOnly: true}
        - {name: work, mountPath: /work, subPath: data}
        - {name: podinfo, mountPath: /etc/podinfo}
        - {name: cache, mountPath: /cache}
        livenessProbe:
          httpGet:
            path: /healthz
            port: http
            httpHeaders: [{name: X-Probe, value: live}]
          initialDelaySeconds: 5
          periodSeconds: 10
          timeoutSeconds: 2
          failureThreshold: 3
        readinessProbe:
          tcpSocket: {port: 8080}
          periodSeconds: 5
        startupProbe:
          exec: {command: [cat, /work/ready]}
          failureThreshold: 30
        lifecycle:
          postStart: {exec: {command: [sh, -c, "true"]}}
          preStop: {sleep: {seconds: 5}}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        terminationMessagePolicy: FallbackToLogsOnError
        stdin: false
        tty: false
      volumes:
      - name: config
        configMap:
          name: app-config
          items: [{key: app.properties, path: app.properties}]
          defaultMode: 0444
      - name: secret
        secret: {secretName: app-secret, defaultMode: 0400}
      - name: work
        emptyDir: {}
      - name: cache
        emptyDir: {medium: Memory, sizeLimit: 64Mi}
      - name: podinfo
        downwardAPI:
          items:
          - path: labels
            fieldRef: {fieldPath: metadata.labels}
      - name: bundle
        projected:
          sources:
          - configMap: {name: app-config}
          - serviceAccountToken: {path: token, expirationSeconds: 3600, audience: api}
---
apiVersion: v1
kind: Service
metadata:
  name: app
  namespace: rich
  labels: {app: app}
spec:
  type: NodePort
  selector: {app: app}
  ports:
  - {name: http, port: 80, targetPort: http, protocol: TCP, appProtocol: http}
  - {name: metrics, port: 9090, targetPort: 9090}
  sessionAffinity: ClientIP
  sessionAffinityConfig:
    clientIP: {timeoutSeconds: 600}
  externalTrafficPolicy: Local
  internalTrafficPolicy: Cluster
  publishNotReadyAddresses: false
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: rich-nginx
  annotations: {ingressclass.kubernetes.io/is-default-class: "false"}
spec:
  controller: tugboat.dev/ingress
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
  namespace: rich
  annotations: {nginx.ingress.kubernetes.io/canary: "false"}
spec:
  ingressClassName: rich-nginx
  tls:
  - hosts: [app.example.com]
    secretName: app-tls
  defaultBackend:
    service: {name: app, port: {number: 80}}
  rules:
  - host: app.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: app, port: {name: http}}
      - path: /metrics
        pathType: Exact
        backend:
          service: {name: app, port: {number: 9090}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: app, namespace: rich}
spec:
  podSelector: {matchLabels: {app: app}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: platform}}
      podSelector: {matchLabels: {role: frontend}}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports:
    - {protocol: TCP, port: http}
    - {protocol: TCP, port: 9000, endPort: 9100}
  egress:
  - to: [{podSelector: {}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: rich}
spec:
  completions: 1
  parallelism: 1
  backoffLimit: 2
  activeDeadlineSeconds: 600
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels: {job: migrate}
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: busybox:1.36
        command: [sh, -c, "echo migrated"]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: rich}
spec:
  selector:
    matchLabels: {app: agent}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 1}
  template:
    metadata:
      labels: {app: agent}
    spec:
      hostNetwork: false
      priorityClassName: ""
      tolerations: [{operator: Exists}]
      containers:
      - name: agent
        image: busybox:1.36
        args: [sleep, infinity]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: app, namespace: rich}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 70}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies: [{type: Percent, value: 50, periodSeconds: 60}]
`;
