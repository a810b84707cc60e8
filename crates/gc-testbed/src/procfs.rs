//! CPU time and resident memory of a process (this one or a child) and the machine's busy
//! share, from procfs.
//!
//! CPU time is what `getrusage(RUSAGE_SELF)` reports (user + system time of every thread, live
//! and exited), read from `/proc/<pid>/stat` because the workspace forbids `unsafe` and so the
//! libc call. The kernel reports it in `USER_HZ` ticks, which Linux fixes at 100 per second for
//! user space on every architecture we run on: 10 ms resolution, ample over runs of seconds.

use std::time::Duration;

/// Ticks per second of the `utime` / `stime` fields (`USER_HZ`).
const USER_HZ: u64 = 100;

/// User + system CPU time of process `pid` (`None`: this process), or `None` when it cannot be
/// read (not Linux, or the process is gone).
pub fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let path = pid.map_or_else(
        || "/proc/self/stat".to_owned(),
        |pid| format!("/proc/{pid}/stat"),
    );
    parse_stat(&std::fs::read_to_string(path).ok()?)
}

/// `utime + stime` of a `/proc/<pid>/stat` line. The command name (field 2) is in parentheses
/// and may contain spaces, so fields are counted after its closing `)`: `state` is field 3,
/// `utime` field 14, `stime` field 15.
fn parse_stat(line: &str) -> Option<Duration> {
    let (_, rest) = line.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime + stime;
    Some(Duration::from_secs(ticks / USER_HZ) + Duration::from_millis(ticks % USER_HZ * 10))
}

/// Jiffies of the whole machine since boot, from the first line of `/proc/stat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MachineTimes {
    busy: u64,
    total: u64,
}

impl MachineTimes {
    /// The share of all CPUs that was busy (anything but idle and iowait) since `earlier`.
    pub fn busy_share_since(self, earlier: Self) -> f64 {
        let total = self.total.saturating_sub(earlier.total);
        let busy = self.busy.saturating_sub(earlier.busy);
        if total == 0 {
            return 0.0;
        }
        // Jiffies of a run fit in u32 many times over; the shares need no more precision.
        let as_f64 = |n: u64| f64::from(u32::try_from(n).unwrap_or(u32::MAX));
        as_f64(busy) / as_f64(total)
    }
}

/// The machine's CPU times, or `None` when `/proc/stat` cannot be read.
pub fn machine_times() -> Option<MachineTimes> {
    parse_machine(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// `cpu  user nice system idle iowait irq softirq steal …` (guest time is already in user).
fn parse_machine(stat: &str) -> Option<MachineTimes> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    Some(MachineTimes {
        busy: total - idle,
        total,
    })
}

/// The number of CPUs this process may run on.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Resident memory of a process in KiB (`VmRSS` in procfs), when it can be read.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_rss(&status)
}

fn parse_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{cpu_time, parse_machine, parse_rss, parse_stat, rss_kib};

    #[test]
    fn user_and_system_ticks_are_added() {
        let line = "4242 (gc load (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 17 0 0 20 0 9 0";
        assert_eq!(parse_stat(line), Some(Duration::from_millis(2670)));
    }

    #[test]
    fn a_short_line_is_not_a_time() {
        assert_eq!(parse_stat("1 (x) S 1 2"), None);
        assert_eq!(parse_stat("no parenthesis"), None);
    }

    #[test]
    fn the_machine_share_counts_everything_but_idle_and_iowait() {
        let before = parse_machine("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n").unwrap();
        let after = parse_machine("cpu  250 0 150 800 200 0 0 0 0 0\n").unwrap();
        assert!((after.busy_share_since(before) - 0.5).abs() < 1e-9);
        assert_eq!(parse_machine("intr 1 2 3"), None);
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        assert!(cpu_time(None).is_some());
    }

    #[test]
    fn vmrss_is_read_in_kib() {
        let status =
            "Name:\tgeneric-connector\nVmPeak:\t  900 kB\nVmRSS:\t  123456 kB\nThreads:\t3\n";
        assert_eq!(parse_rss(status), Some(123_456));
        assert_eq!(parse_rss("Name:\tx\n"), None);
        assert!(rss_kib(std::process::id()).is_some_and(|k| k > 0));
    }
}
