# Sourced by the lab scripts: one place for the lab's names and podman settings.
# shellcheck shell=bash
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF="$LAB_DIR/containers.conf"

# The Debian release the lab's containers run: 12 (bookworm) or 13 (trixie).
export POSTDOVE_DEBIAN="${POSTDOVE_DEBIAN:-12}"
debian_codename() {
    case "$1" in
        12) echo bookworm ;;
        13) echo trixie ;;
        *) echo "lab: POSTDOVE_DEBIAN=$1 is not a lab release; use 12 or 13" >&2; return 1 ;;
    esac
}
debian_codename "$POSTDOVE_DEBIAN" >/dev/null
# Image tags follow the scripts that build them, so a changed recipe builds a new image.
lab_image() { echo "localhost/postdove-debian$1:$(sha256sum "$LAB_DIR/build-image" | cut -c1-12)"; }
# The lab image with Postfix and Dovecot installed, for the render tests.
lab_daemons_image() {
    echo "localhost/postdove-debian$1-daemons:$(cat "$LAB_DIR/build-image" "$LAB_DIR/build-daemons-image" | sha256sum | cut -c1-12)"
}
# The EL targets' own daemon versions built from upstream source (el7 or el9),
# from the archives in POSTDOVE_EL_SOURCES (default: shared/sources beside the checkout).
export POSTDOVE_EL_SOURCES="${POSTDOVE_EL_SOURCES:-$(dirname "$(dirname "$LAB_DIR")")/shared/sources}"
export POSTDOVE_EL_DAEMONS_TAG
POSTDOVE_EL_DAEMONS_TAG=$(cat "$LAB_DIR/build-image" "$LAB_DIR/build-el-daemons-image" "$LAB_DIR"/el-daemons/* | sha256sum | cut -c1-12)
lab_el_daemons_image() { echo "localhost/postdove-$1-daemons:$POSTDOVE_EL_DAEMONS_TAG"; }
export POSTDOVE_IMAGE POSTDOVE_DAEMONS_IMAGE_DEBIAN12 POSTDOVE_DAEMONS_IMAGE_DEBIAN13
POSTDOVE_IMAGE=$(lab_image "$POSTDOVE_DEBIAN")
POSTDOVE_DAEMONS_IMAGE_DEBIAN12=$(lab_daemons_image 12)
POSTDOVE_DAEMONS_IMAGE_DEBIAN13=$(lab_daemons_image 13)
export POSTDOVE_DAEMONS_IMAGE_EL7 POSTDOVE_DAEMONS_IMAGE_EL9
POSTDOVE_DAEMONS_IMAGE_EL7=$(lab_el_daemons_image el7)
POSTDOVE_DAEMONS_IMAGE_EL9=$(lab_el_daemons_image el9)
# Ansible reaches lab containers over SSH on a loopback port, as it would a
# real server (podman exec costs about 1 s per task; SSH with pipelining a fraction).
export POSTDOVE_SSH_KEY="${POSTDOVE_SSH_KEY:-$LAB_DIR/../.lab/ssh/id_ed25519}"
export POSTDOVE_NETWORK="${POSTDOVE_NETWORK:-postdove-lab}"
