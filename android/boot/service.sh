#!/system/bin/sh
# Starts unbind-agent at boot on a rooted phone. Magisk runs it as root in
# its late_start service stage when it is installed as
# /data/adb/service.d/unbind-agent.sh (mode 755), or as a module's service.sh.
#
# Everything it runs lives under /data/adb, which only root can write: a
# root script must never run or source a file the shell user may change
# (/data/local/tmp is the shell user's).
#
#   /data/adb/unbind/unbind-agent   the agent (make android)
#   /data/adb/unbind/agent.env      settings, shell syntax:
#       UNBIND_BROKER=tcp://192.168.1.20:1883   required; an IP address:
#                                                the phone resolves no names,
#                                                and adb reverse is gone after
#                                                a reboot
#       UNBIND_ARGS="--interval 30s"            more flags for "run"
#   /data/adb/unbind/agent.log      what the agent logs
#   /data/adb/unbind/state          the agent's state: its enrollment, made
#                                   as root with
#       unbind-agent enroll --state-dir /data/adb/unbind/state --token ...
#
# The agent runs as root: it then reads what the shell user may not (a
# denied account dump, the Find Device provider). If it exits, it is started
# again after UNBIND_RESTART_DELAY seconds (default 30).

UNBIND_DIR=${UNBIND_DIR:-/data/adb/unbind}
AGENT=$UNBIND_DIR/unbind-agent
CONF=$UNBIND_DIR/agent.env
LOG=$UNBIND_DIR/agent.log

# The account, package and settings services the agent queries are up only
# once boot completes. Give up after about ten minutes.
tries=0
until [ "$(getprop sys.boot_completed)" = 1 ]; do
	tries=$((tries + 1))
	if [ "$tries" -gt "${UNBIND_BOOT_TRIES:-300}" ]; then
		echo "unbind-agent boot: boot did not complete" >>"$LOG"
		exit 1
	fi
	sleep "${UNBIND_BOOT_POLL:-2}"
done

if [ -f "$CONF" ]; then
	. "$CONF"
fi
if [ -z "$UNBIND_BROKER" ]; then
	echo "unbind-agent boot: no UNBIND_BROKER in $CONF" >>"$LOG"
	exit 1
fi
if [ ! -x "$AGENT" ]; then
	echo "unbind-agent boot: $AGENT missing or not executable" >>"$LOG"
	exit 1
fi

# Detached, so that this script returns and Magisk's boot stage goes on.
# UNBIND_ARGS is split into words on purpose.
(
	while :; do
		# shellcheck disable=SC2086
		"$AGENT" run --broker "$UNBIND_BROKER" --state-dir "$UNBIND_DIR/state" $UNBIND_ARGS
		echo "unbind-agent boot: agent exited with $?; restarting" >&2
		sleep "${UNBIND_RESTART_DELAY:-30}"
	done
) </dev/null >>"$LOG" 2>&1 &
exit 0
