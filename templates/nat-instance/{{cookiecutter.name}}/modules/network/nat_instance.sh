#!/bin/bash
# First boot of a NAT instance of this project (modules/network/nat_instance.tf, its
# launch template's user data). It installs a service that, at every boot, takes over
# the interface the private route tables point at and forwards and masquerades what
# the private subnets send. Rendered by Terraform's templatefile: dollar-brace names
# below are Terraform's, filled in before the instance sees the script.
set -euo pipefail

# Forwarding and no reverse-path filter survive reboots and interfaces added later.
cat > /etc/sysctl.d/90-nat-instance.conf <<'SYSCTL'
net.ipv4.ip_forward = 1
net.ipv4.conf.all.rp_filter = 0
net.ipv4.conf.default.rp_filter = 0
SYSCTL
sysctl -q --system

install -m 0755 /dev/stdin /usr/local/sbin/nat-instance <<'SCRIPT'
#!/bin/bash
set -euo pipefail
# An AWS call right after boot may meet a role still propagating: try for a while.
retry() {
  local attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10 11 12; do
    if "$@"; then return 0; fi
    sleep $((attempt * 5))
  done
  return 1
}
imds() {
  local token
  token=$(curl -fsS -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token)
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}
instance_id=$(imds instance-id)
# A failed run counts against the instance: after five in a row (the service restarts
# every 30 seconds) it reports itself unhealthy, and its group replaces it, as EC2's own
# health check, which sees the instance but not the NAT, never would.
failures=/var/lib/nat-instance/failures
mkdir -p /var/lib/nat-instance
on_exit() {
  local status=$? count
  if [ "$status" -eq 0 ]; then
    rm -f "$failures"
    return
  fi
  count=$(($(cat "$failures" 2>/dev/null || echo 0) + 1))
  echo "$count" >"$failures"
  if [ "$count" -ge 5 ]; then
    aws autoscaling set-instance-health --region "${region}" --instance-id "$instance_id" \
      --health-status Unhealthy --no-should-respect-grace-period || true
  fi
}
trap on_exit EXIT
mac=$(imds mac)
own_interface=$(imds "network/interfaces/macs/$mac/interface-id")
outbound=""
for device in /sys/class/net/*; do
  if [ "$(cat "$device/address")" = "$mac" ]; then outbound=$(basename "$device"); fi
done
if [ -z "$outbound" ]; then
  echo "nat-instance: no network device has the primary interface's MAC $mac" >&2
  exit 1
fi

# Replies to the private subnets leave through the instance's own interface with the
# internet's addresses as their source: its source/destination check must be off too.
retry aws ec2 modify-network-interface-attribute --region "${region}" \
  --network-interface-id "$own_interface" --no-source-dest-check

# Take over the interface the private route tables send 0.0.0.0/0 to. The instance it
# was on may still be terminating: retry until it is free, then wait for the device.
described=$(retry aws ec2 describe-network-interfaces --region "${region}" \
  --network-interface-ids "${interface_id}" \
  --query "NetworkInterfaces[0].[Attachment.InstanceId, MacAddress]" --output text)
read -r attached interface_mac <<<"$described"
if [ "$attached" != "$instance_id" ]; then
  until aws ec2 attach-network-interface --region "${region}" --instance-id "$instance_id" \
    --device-index 1 --network-interface-id "${interface_id}"; do
    sleep 5
  done
fi
until grep -qix "$interface_mac" /sys/class/net/*/address; do sleep 1; done

sysctl -q -w net.ipv4.ip_forward=1
# Packets from the private subnets arrive on the taken-over interface and their replies
# leave by the primary one: no reverse-path filter, on the interfaces there are now too.
for setting in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > "$setting"; done
iptables -t nat -C POSTROUTING -o "$outbound" -j MASQUERADE 2>/dev/null ||
  iptables -t nat -A POSTROUTING -o "$outbound" -j MASQUERADE
SCRIPT

cat > /etc/systemd/system/nat-instance.service <<'UNIT'
[Unit]
Description=NAT for the private subnets (forwarding and masquerading)
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/nat-instance
# Until it has worked: without it the instance runs, healthy to EC2, and forwards nothing.
Restart=on-failure
RestartSec=30

[Install]
WantedBy=multi-user.target
UNIT

until dnf install -y iptables-nft; do sleep 5; done
systemctl daemon-reload
systemctl enable --now --no-block nat-instance.service
