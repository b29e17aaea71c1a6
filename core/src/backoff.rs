//! When to try again after a connection is lost.
//!
//! The first retry comes after about 0.5 s; the delay then doubles up to
//! 5 s, with ±25% jitter so that many clients of one restarted server do not
//! all come back at the same instant. Jitter never takes a delay past the
//! cap. There is no limit on attempts; a successful open resets the count.

use std::time::Duration;

/// The numbers behind the backoff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffPolicy {
    /// The delay before the first retry. Default 500 ms.
    pub first: Duration,
    /// The longest delay. Default 5 s.
    pub max: Duration,
    /// The spread around each delay, as a fraction. Default 0.25.
    pub jitter: f64,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            first: Duration::from_millis(500),
            max: Duration::from_secs(5),
            jitter: 0.25,
        }
    }
}

/// Counts failed attempts and says how long to wait before the next.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    policy: BackoffPolicy,
    failures: u32,
}

impl Backoff {
    pub fn new(policy: BackoffPolicy) -> Backoff {
        Backoff {
            policy,
            failures: 0,
        }
    }

    /// The delay before the next attempt. `unit_random` is a number in
    /// [0, 1): the caller's randomness, so that tests can fix it.
    pub fn next_delay(&mut self, unit_random: f64) -> Duration {
        let doubling = 2u32.saturating_pow(self.failures.min(16));
        let base = self
            .policy
            .first
            .saturating_mul(doubling)
            .min(self.policy.max);
        self.failures = self.failures.saturating_add(1);
        let unit = if unit_random.is_finite() {
            unit_random.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let jitter = self.policy.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + jitter * (2.0 * unit - 1.0);
        // `factor` is finite and within [0, 2]. Scaled in whole nanoseconds
        // rather than by `Duration::mul_f64`, whose float-to-duration
        // conversion and its panics cost the bundle their own code.
        let nanos = base
            .as_secs()
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(base.subsec_nanos()));
        Duration::from_nanos((nanos as f64 * factor) as u64).min(self.policy.max)
    }

    /// How many attempts failed since the last successful open.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// A socket opened: start again from the first delay.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIDDLE: f64 = 0.5;

    fn millis(delay: Duration) -> u128 {
        delay.as_millis()
    }

    #[test]
    fn reconnect_delay_doubles_up_to_the_cap() {
        let mut backoff = Backoff::default();
        let delays: Vec<u128> = (0..8).map(|_| millis(backoff.next_delay(MIDDLE))).collect();
        assert_eq!(delays, vec![500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
    }

    #[test]
    fn jitter_spreads_a_quarter_either_way() {
        let mut low = Backoff::default();
        let mut high = Backoff::default();
        assert_eq!(millis(low.next_delay(0.0)), 375);
        assert_eq!(millis(high.next_delay(1.0)), 625);
    }

    #[test]
    fn jitter_never_passes_the_cap() {
        let mut backoff = Backoff::default();
        for _ in 0..20 {
            assert!(backoff.next_delay(0.999) <= Duration::from_secs(5));
        }
    }

    #[test]
    fn a_successful_open_resets_the_delay() {
        let mut backoff = Backoff::default();
        for _ in 0..5 {
            backoff.next_delay(MIDDLE);
        }
        backoff.reset();
        assert_eq!(backoff.failures(), 0);
        assert_eq!(millis(backoff.next_delay(MIDDLE)), 500);
    }

    #[test]
    fn attempts_are_unlimited_and_never_overflow() {
        let mut backoff = Backoff::default();
        for _ in 0..100_000 {
            backoff.next_delay(MIDDLE);
        }
        assert_eq!(millis(backoff.next_delay(MIDDLE)), 5000);
    }

    #[test]
    fn out_of_range_randomness_is_clamped() {
        let mut backoff = Backoff::default();
        assert_eq!(millis(backoff.next_delay(7.0)), 625);
        let mut backoff = Backoff::default();
        assert_eq!(millis(backoff.next_delay(-3.0)), 375);
    }

    #[test]
    fn non_finite_randomness_means_no_jitter_rather_than_a_panic() {
        let mut backoff = Backoff::default();
        assert_eq!(millis(backoff.next_delay(f64::NAN)), 500);
        assert_eq!(millis(backoff.next_delay(f64::INFINITY)), 1000);
    }
}
