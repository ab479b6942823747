# Deployment files (docker/, deploy/): tools and offline checks. Included by the Makefile.
#   make deploy-tools   helm (Go module proxy), kubernetes-validate (PyPI), compose/CRD validators (npm)
#   make test-deploy    helm lint + template, Kubernetes schemas, Compose schema, manifests fresh
#   make manifests      regenerate deploy/manifests/ from the chart
#   make image-size     the image's own layers, measured (production node_modules + dist)
# Everything lands in .cache/deploy/ and deploy/validate/node_modules (git-ignored); nothing is
# downloaded at test time.
DEPLOY_CACHE := .cache/deploy
HELM_VERSION := v3.22.0
HELM := $(DEPLOY_CACHE)/bin/helm
HELM_STAMP := $(DEPLOY_CACHE)/helm-$(HELM_VERSION).stamp
KUBE_VALIDATE := $(DEPLOY_CACHE)/venv/bin/kubernetes-validate
KUBE_VALIDATE_STAMP := $(DEPLOY_CACHE)/venv.stamp
DEPLOY_NODE_STAMP := deploy/validate/node_modules/.package-lock.json
export SLUICE_HELM := $(abspath $(HELM))
export SLUICE_KUBE_VALIDATE := $(abspath $(KUBE_VALIDATE))

.PHONY: deploy-tools test-deploy manifests image-size

$(HELM_STAMP):
	@command -v go >/dev/null || { echo "helm is built from the Go module proxy and needs Go (go 1.22 or newer) on PATH; install Go, then rerun make" >&2; exit 1; }
	@mkdir -p $(DEPLOY_CACHE)/bin
	@echo "building helm $(HELM_VERSION) from the Go module proxy into $(DEPLOY_CACHE)/bin (once; cached)"
	GOBIN=$(abspath $(DEPLOY_CACHE)/bin) GOFLAGS=-buildvcs=false go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION) \
	  || { echo "go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION) failed (see above): the deployment checks need helm; check that the Go module proxy is reachable" >&2; exit 1; }
	@touch $@

$(KUBE_VALIDATE_STAMP): deploy/validate/requirements.txt
	@command -v python3 >/dev/null || { echo "kubernetes-validate needs python3 (with venv); install python3, then rerun make" >&2; exit 1; }
	python3 -m venv $(DEPLOY_CACHE)/venv || { echo "python3 -m venv failed: install python3-venv" >&2; exit 1; }
	$(DEPLOY_CACHE)/venv/bin/pip install -q --disable-pip-version-check -r deploy/validate/requirements.txt \
	  || { echo "pip install -r deploy/validate/requirements.txt failed (see above): the Kubernetes schema checks need kubernetes-validate from PyPI" >&2; exit 1; }
	@touch $@

$(DEPLOY_NODE_STAMP): deploy/validate/package.json deploy/validate/package-lock.json
	npm ci --prefix deploy/validate --no-audit --no-fund \
	  || { echo "npm ci in deploy/validate failed (see above): the Compose and Prometheus Operator checks need these packages" >&2; exit 1; }
	@touch $@

deploy-tools: $(HELM_STAMP) $(KUBE_VALIDATE_STAMP) $(DEPLOY_NODE_STAMP)

test-deploy: build deploy-tools
	$(NODE_TEST) --test-concurrency=1 dist/test/deploy/*.test.js

# The plain manifests users apply without Helm (deploy/manifests/generate.sh says which).
manifests: $(HELM_STAMP)
	bash deploy/manifests/generate.sh $(HELM) deploy/manifests

image-size: node-deps
	@d=$$(mktemp -d); cp package.json package-lock.json $$d/; \
	(cd $$d && npm ci --omit=dev --no-audit --no-fund --prefer-offline >/dev/null) || { rm -rf $$d; exit 1; }; \
	nm=$$(du -sb $$d/node_modules | cut -f1); rm -rf $$d; \
	npx tsc -p tsconfig.json; dist=$$(du -sb dist/src | cut -f1); \
	awk -v nm=$$nm -v d=$$dist 'BEGIN { printf "production node_modules: %.1f MB, dist/src: %.1f MB; image = node:20-bookworm-slim + %.1f MB\n", nm / 1e6, d / 1e6, (nm + d) / 1e6 }'
