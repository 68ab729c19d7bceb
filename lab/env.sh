# Sourced by the lab scripts: one place for the lab's names and podman settings.
# shellcheck shell=bash
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF="$LAB_DIR/containers.conf"
# The tag follows build-image's content, so a changed recipe builds a new image.
POSTDOVE_IMAGE_TAG=$(sha256sum "$LAB_DIR/build-image" | cut -c1-12)
export POSTDOVE_IMAGE="${POSTDOVE_IMAGE:-localhost/postdove-debian12:$POSTDOVE_IMAGE_TAG}"
# Ansible reaches lab containers over SSH on a loopback port, as it would a
# real server (podman exec costs about 1 s per task; SSH with pipelining a fraction).
export POSTDOVE_SSH_KEY="${POSTDOVE_SSH_KEY:-$LAB_DIR/../.lab/ssh/id_ed25519}"
export POSTDOVE_NETWORK="${POSTDOVE_NETWORK:-postdove-lab}"
# The lab image with Postfix and Dovecot installed, for the render tests.
POSTDOVE_DAEMONS_TAG=$(cat "$LAB_DIR/build-image" "$LAB_DIR/build-daemons-image" | sha256sum | cut -c1-12)
export POSTDOVE_DAEMONS_IMAGE="${POSTDOVE_DAEMONS_IMAGE:-localhost/postdove-debian12-daemons:$POSTDOVE_DAEMONS_TAG}"
