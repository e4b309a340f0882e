#!/usr/bin/env bash
# Builds the test guest (docs/guest.md) from Debian packages only: an MBR disk image with
# syslinux on a FAT boot partition, Debian's kernel, a busybox initramfs whose init reads the
# data partition and serves it over HTTP, and prints `asr-guest: ready` on the serial console.
#
#   scripts/build-guest.sh            prints the image's path (builds it once per input versions)
#
# Cached under ${ASR_GUEST_CACHE:-<repo>/.data/guest}/<key>/, the key being a hash of this
# script and the versions of the packages it reads, so a second run only prints the path.
# Needs: linux-image-amd64, busybox-static, syslinux, syslinux-common, mtools, dosfstools,
# fdisk (sfdisk), cpio. Runs without root: no mount, no loop device.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PACKAGES=(linux-image-amd64 busybox-static syslinux syslinux-common mtools dosfstools)
versions="$(dpkg-query -W -f='${Package}=${Version}\n' "${PACKAGES[@]}")"
KVER="$(ls /lib/modules | sort -V | tail -1)"
key="$( (echo "$versions"; echo "kernel=$KVER"; cat "$0") | sha256sum | cut -c1-16)"
CACHE="${ASR_GUEST_CACHE:-$REPO/.data/guest}/$key"
IMAGE="$CACHE/asr-guest.img"
if [ -f "$IMAGE" ]; then echo "$IMAGE"; exit 0; fi

MIB=$((1024 * 1024))
BOOT_MIB=16        # FAT16: kernel (~8 MiB) + initramfs
DATA_MIB=1         # the served data: text up to the first NUL byte
TAIL_BYTES=12288   # three 4 KiB units after the last partition: the disk is not whole MiB, as a source disk may not be (replica logs carry whole 4 KiB units)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s.%N)

# --- initramfs: busybox, the modules for virtio disk and network, init --------------------
root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,www,lib/modules}
cp /bin/busybox "$root/bin/busybox"
dep="/lib/modules/$KVER/modules.dep"
declare -A seen=()
order=()
# Dependencies first (modules.dep lists each module's direct and indirect dependencies).
add_module() {
  local m="$1" deps d
  [ -n "${seen[$m]:-}" ] && return 0
  seen[$m]=1
  deps="$(awk -v m="$m:" '$1 == m { $1 = ""; print }' "$dep")"
  for d in $deps; do add_module "$d"; done
  order+=("$m")
}
for want in virtio_pci virtio_blk virtio_net; do
  path="$(awk -F: -v w="/$want.ko" 'index($1, w) && substr($1, length($1) - length(w) + 1) == w { print $1; exit }' "$dep")"
  [ -n "$path" ] || { echo "module $want not found in $dep" >&2; exit 1; }
  add_module "$path"
done
: > "$root/modules.order"
for m in "${order[@]}"; do
  base="$(basename "$m")"
  cp "/lib/modules/$KVER/$m" "$root/lib/modules/$base"
  echo "$base" >> "$root/modules.order"
done

cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod /lib/modules/$m 2>/dev/null; done
say() { echo "asr-guest: $*" > /dev/console; }
# Progress lines before the ready line: what an operator tailing the console sees boot (the demo shows them).
say "init: Linux $(uname -r), $(wc -l < /modules.order) modules loaded"
# The data partition: the second of the first disk (virtio, else ATA).
data=""
for i in $(seq 1 100); do
  for d in /dev/vda2 /dev/sda2; do [ -b "$d" ] && data="$d" && break; done
  [ -n "$data" ] && break
  sleep 0.1
done
if [ -z "$data" ]; then say "no data partition"; exec sh; fi
say "init: data partition $data"
dd if="$data" bs=4096 count=256 2>/dev/null | tr -d '\000' > /www/data.txt
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2
httpd -p 80 -h /www
say "init: network 10.0.2.15/24 up, httpd serving /www on port 80"
say "ready data=$(wc -c < /www/data.txt) bytes sha256=$(sha256sum /www/data.txt | cut -c1-16)"
while true; do sleep 3600; done
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$work/initrd.gz"

# --- boot partition: FAT16, syslinux, kernel, initramfs ---------------------------------
boot="$work/boot.img"
truncate -s $((BOOT_MIB * MIB)) "$boot"
mkfs.vfat -F 16 -n ASRBOOT "$boot" >/dev/null
cat > "$work/syslinux.cfg" <<'CFG'
DEFAULT asr
PROMPT 0
TIMEOUT 0
LABEL asr
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND console=ttyS0,115200 loglevel=3 panic=5
CFG
syslinux --install "$boot"
mcopy -i "$boot" "/boot/vmlinuz-$KVER" ::/vmlinuz
mcopy -i "$boot" "$work/initrd.gz" ::/initrd.gz
mcopy -i "$boot" "$work/syslinux.cfg" ::/syslinux.cfg

# --- the disk: MBR code, partition table, boot partition, empty data partition, tail -------
disk="$work/asr-guest.img"
truncate -s $(((1 + BOOT_MIB + DATA_MIB) * MIB + TAIL_BYTES)) "$disk"
sfdisk -q "$disk" <<EOF
label: dos
start=2048, size=$((BOOT_MIB * 2048)), type=6, bootable
start=$(((1 + BOOT_MIB) * 2048)), size=$((DATA_MIB * 2048)), type=83
EOF
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$boot" of="$disk" bs=$MIB seek=1 conv=notrunc status=none

mkdir -p "$CACHE"
mv "$disk" "$IMAGE.tmp" && mv "$IMAGE.tmp" "$IMAGE"
printf '%s\nkernel=%s\nbuildSeconds=%s\n' "$versions" "$KVER" "$(echo "$(date +%s.%N) - $start" | bc)" > "$CACHE/inputs.txt"
echo "$IMAGE"
