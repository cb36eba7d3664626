#!/usr/bin/env bash
# make compose-smoke: brings docker-compose.yml up for real in a Docker engine on this machine,
# every profile, and checks what the README promises; see deploy/compose-smoke/README.md.
# Prints each step with its time; on any failure names the step, shows the containers and the
# logs of the ones that failed, and exits non-zero. Whatever happens, the project's containers,
# volumes and network are removed (docker-compose down -v), images are kept (they are the cache).
#
#   COMPOSE_SMOKE_PROJECT   compose project name (default order-platform-smoke)
#   COMPOSE_SMOKE_KEEP=1    leave the stack running at the end (for a look around; `down -v` it yourself)
set -euo pipefail
shopt -s inherit_errexit
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

project="${COMPOSE_SMOKE_PROJECT:-order-platform-smoke}"
app_image="order-platform-smoke/app:latest"
work="$(mktemp -d /tmp/compose-smoke.XXXXXX)"
export JWT_SECRET="${JWT_SECRET:-dev-only-jwt-secret-not-for-production}"
unset OTEL_EXPORTER_OTLP_ENDPOINT COMPOSE_FILE COMPOSE_PROFILES
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 COMPOSE_HTTP_TIMEOUT=180
dc=(docker-compose -p "$project" -f "$work/docker-compose.yml" --project-directory "$root")
export COMPOSE_SMOKE_DC="${dc[*]}" COMPOSE_SMOKE_PROJECT="$project"
all_profiles=(--profile infra --profile app --profile observability)

started=$(date +%s.%N)
step_no=0
step_name=""
summary=()
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
step() { # step "name" command...: runs it, timed
  step_no=$((step_no + 1))
  step_name="$1"; shift
  printf '\n==> [%02d] %s\n' "$step_no" "$step_name"
  local t0; t0="$(now)"
  "$@"
  local t; t="$(elapsed "$t0")"
  summary+=("$(printf '  [%02d] %-58s %7s s' "$step_no" "$step_name" "$t")")
  printf '    ok  %s s\n' "$t"
}

volumes_before="$work/volumes-before"
dockerd_pid=""; forward_policy=""; ip_forward=""
cleanup() {
  local code=$?
  set +e
  if [ "$code" -ne 0 ] && [ -n "$step_name" ]; then
    printf '\n!!! FAILED at step [%02d] %s (exit %s, %s s into the run)\n' "$step_no" "$step_name" "$code" "$(elapsed "$started")"
    if [ -f "$work/docker-compose.yml" ]; then
      echo "--- containers"
      docker ps -a --filter "label=com.docker.compose.project=$project" --format '{{.Names}}\t{{.Status}}' | sort
      # the logs of what failed: containers that exited non-zero, else those not (yet) healthy
      failed=(); unhealthy=()
      for c in $(docker ps -a --filter "label=com.docker.compose.project=$project" --format '{{.Names}}'); do
        state="$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$c")"
        case "$state" in
          "exited 0"*|"running 0 healthy"|"running 0 ") ;;
          "exited "*|*restarting*) failed+=("$c") ;;
          *) unhealthy+=("$c") ;;
        esac
      done
      [ "${#failed[@]}" -gt 0 ] || failed=("${unhealthy[@]}")
      for c in "${failed[@]}"; do
        echo "--- logs of $c ($(docker inspect -f '{{.State.Status}}, exit {{.State.ExitCode}}{{if .State.Health}}, {{.State.Health.Status}}{{end}}' "$c")), last 25 lines"
        docker logs --tail 25 "$c" 2>&1
      done
    fi
  fi
  if [ -f "$work/docker-compose.yml" ] && [ "${COMPOSE_SMOKE_KEEP:-}" != 1 ]; then
    printf '\n==> cleanup: down -v --remove-orphans\n'
    "${dc[@]}" "${all_profiles[@]}" down -v --remove-orphans -t 10 >"$work/down.log" 2>&1 || cat "$work/down.log"
    left="$(docker ps -aq --filter "label=com.docker.compose.project=$project"; docker network ls -q --filter "label=com.docker.compose.project=$project"; docker volume ls -q --filter "label=com.docker.compose.project=$project")"
    new_volumes="$(comm -13 "$volumes_before" <(docker volume ls -q | sort))"
    if [ -n "$left$new_volumes" ]; then
      echo "!!! left behind: $left $new_volumes"
      [ "$code" -ne 0 ] || code=1
    else
      echo "    no container, volume or network of $project left"
    fi
  fi
  if [ -n "$dockerd_pid" ] && [ "${COMPOSE_SMOKE_KEEP:-}" != 1 ]; then
    # leave the machine as it was: the engine this run started goes, and so do its firewall settings
    kill "$dockerd_pid" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
    [ -z "$forward_policy" ] || iptables -P FORWARD "$forward_policy" 2>/dev/null
    echo "$ip_forward" >/proc/sys/net/ipv4/ip_forward 2>/dev/null
    echo "    stopped the dockerd this run started (FORWARD policy ${forward_policy:-?}, ip_forward $ip_forward again)"
  fi
  if [ "${COMPOSE_SMOKE_KEEP:-}" = 1 ] && [ -f "$work/docker-compose.yml" ]; then
    printf '\n==> kept running (COMPOSE_SMOKE_KEEP=1); remove it with:\n    %s %s down -v --remove-orphans && rm -rf %s\n' "${dc[*]}" "${all_profiles[*]}" "$work"
  else
    rm -rf "$work"
  fi
  if [ "$code" -eq 0 ]; then
    printf '\n==> compose smoke passed in %s s\n' "$(elapsed "$started")"
    printf '%s\n' "${summary[@]}"
  else
    printf '\n==> compose smoke FAILED (exit %s) in %s s\n' "$code" "$(elapsed "$started")"
    printf '%s\n' "${summary[@]}"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_docker() {
  if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
    echo "    installing Debian's docker.io, docker-compose and debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap >"$work/apt.log" 2>&1 || {
      apt-get update -qq >/dev/null 2>&1
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log"; return 1; }
    }
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "    starting dockerd (log: /var/log/dockerd-compose-smoke.log; stopped again at the end)"
    # dockerd sets the FORWARD policy to DROP and turns on ip_forward: both are put back at the end
    forward_policy="$(iptables -S FORWARD 2>/dev/null | sed -n 's/^-P FORWARD //p')"
    ip_forward="$(cat /proc/sys/net/ipv4/ip_forward)"
    setsid dockerd >>/var/log/dockerd-compose-smoke.log 2>&1 </dev/null &
    dockerd_pid=$!
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { tail -20 /var/log/dockerd-compose-smoke.log; echo "dockerd did not come up in 60 s"; return 1; }
  fi
  echo "    $(docker version -f 'engine {{.Server.Version}}, client {{.Client.Version}}'), $(docker-compose version --short | sed 's/^/docker-compose /')"
  # anything of an earlier run of this project that was interrupted before its cleanup
  local label="label=com.docker.compose.project=$project"
  if [ -n "$(docker ps -aq --filter "$label"; docker volume ls -q --filter "$label"; docker network ls -q --filter "$label")" ]; then
    echo "    removing what an interrupted earlier run of $project left (containers, volumes, network)"
    docker ps -aq --filter "$label" | xargs -r docker rm -f -v >/dev/null
    docker volume ls -q --filter "$label" | xargs -r docker volume rm >/dev/null
    docker network ls -q --filter "$label" | xargs -r docker network rm >/dev/null
  fi
  docker volume ls -q | sort >"$volumes_before"
}

standins() {
  timeout 1800 "$here/stand-ins/build.sh" >"$work/stand-ins"
}

app_image() {
  local node_image; node_image="$(sed -n 's/^node=//p' "$work/stand-ins")"
  echo "    docker build --build-arg NODE_IMAGE=$node_image -t $app_image ."
  timeout 900 docker build --build-arg "NODE_IMAGE=$node_image" -t "$app_image" . >"$work/app-build.log" 2>&1 \
    || { tail -40 "$work/app-build.log"; return 1; }
  grep -E '^Step [0-9]+/[0-9]+ : RUN' "$work/app-build.log" | sed 's/^/    /' | head -5 || true
  # a dependency that does not support the image's Node says so during npm ci
  if grep -q EBADENGINE "$work/app-build.log"; then grep -A4 EBADENGINE "$work/app-build.log" | head -20; echo "    npm ci in the image: EBADENGINE"; return 1; fi
  echo "    node in the image: $(docker run --rm --entrypoint node "$app_image" --version)"
}

derive() {
  node "$here/derive.mjs" "$work" "$app_image" "$work/stand-ins"
  "${dc[@]}" config -q
}

flow() { timeout "$1" node "$here/flow.mjs" "${@:2}"; }

up() { # up TIMEOUT compose-args...
  local t="$1"; shift
  timeout "$t" "${dc[@]}" "$@" >"$work/up.log" 2>&1 || { cat "$work/up.log"; return 1; }
  # one line per container and what compose did to it
  tr -d '\r' <"$work/up.log" | sed -n 's/^\(Creating\|Starting\|Recreating\) \([^ ]*\) *\.\.\. done$/\1 \2/p' | sort -u \
    | awk '{ sub("^'"$project"'_", "", $2); by[$1] = by[$1] (by[$1] ? ", " : "") $2 } END { for (k in by) printf "    %s: %s\n", k, by[k] }' || true
}

# the README's way to send the app's traces to Jaeger: recreate the apps with the endpoint set
traced_up() { OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318 up 600 --profile app up -d --scale payment-service-worker=3; }

step "Docker engine" ensure_docker
step "stand-in images (deploy/compose-smoke/stand-ins; cached by content hash)" standins
step "app image from the real Dockerfile (Node base: the stand-in)" app_image
step "derived compose file (stand-ins, Docker-picked host ports)" derive
step "docker-compose --profile infra up -d" up 300 --profile infra up -d
step "infra healthy" flow 180 healthy infra
step "docker-compose --profile app up -d" up 600 --profile app up -d
step "app healthy; every migrator exited 0 before its api and worker started" flow 240 healthy infra app --order
step "published ports bind to 127.0.0.1 only" flow 30 ports
step "orders: confirmed, declined, cancelled after confirmation; their mails" flow 180 orders
step "analytics-service: worker healthy and caught up; today counts the orders" flow 90 analytics
step "console: sign-in page; an admin signs in, a customer is refused; its pages" flow 60 console
step "--scale payment-service-worker=3" up 300 --profile app up -d --scale payment-service-worker=3
step "3 payment workers healthy" flow 180 healthy infra app
step "60 orders: every payment worker replica charges" flow 240 scale 60
step "stream report and dead letters through the app image (docker-compose run)" flow 120 streams
step "docker-compose --profile observability up -d" up 300 --profile observability up -d
step "OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318 --profile app up -d (3 payment workers)" traced_up
step "everything healthy" flow 240 healthy infra app observability
step "Prometheus scrapes every api and worker; Grafana's provisioning loads" flow 180 metrics
step "one order's trace in Jaeger" flow 120 trace
step_name="cleanup"
