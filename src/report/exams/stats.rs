//! The statistics of the exam report: median, the normal distribution and the
//! two-proportion z-test.

/// The mean of `values`; `None` for none.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The median of `values` (the mean of the two middle ones for an even count); `None`
/// for none.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// The complementary error function, `erfc(x) = 1 - erf(x)`.
///
/// A Chebyshev fit (W. H. Press et al., *Numerical Recipes*, 2nd ed., §6.2, `erfcc`)
/// with a relative error below 1.2 × 10⁻⁷ for every `x`: ample for p-values shown to
/// two significant digits. Being relative, the error stays small far in the tail,
/// where `1 - erf(x)` computed from `erf` would lose every digit.
pub fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let tail = t * (-x * x + poly).exp();
    if x >= 0.0 { tail } else { 2.0 - tail }
}

/// The standard normal cumulative distribution function, `P(Z <= z)`.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The two-sided p-value of a standard normal statistic: `P(|Z| >= |z|)`.
pub fn two_sided_p(z: f64) -> f64 {
    // 2 (1 - Φ(|z|)) = erfc(|z| / √2), computed directly to keep the tail's digits.
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The smallest expected count of passes and of fails in each group for the normal
/// approximation of [`z_test`] to be used (the usual rule of thumb).
pub const MIN_EXPECTED: f64 = 5.0;

/// The pooled two-proportion z statistic of `x1` successes in `n1` trials against `x2`
/// in `n2`: `(p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2))`, with `p` the pooled rate
/// `(x1 + x2) / (n1 + n2)`. `None` when a group expects fewer than [`MIN_EXPECTED`]
/// successes or failures under the pooled rate (including when every trial went the
/// same way), where the normal approximation does not hold.
pub fn z_test(x1: usize, n1: usize, x2: usize, n2: usize) -> Option<f64> {
    let (x1, n1, x2, n2) = (x1 as f64, n1 as f64, x2 as f64, n2 as f64);
    if n1 == 0.0 || n2 == 0.0 {
        return None;
    }
    let pooled = (x1 + x2) / (n1 + n2);
    let smallest = n1.min(n2) * pooled.min(1.0 - pooled);
    if smallest < MIN_EXPECTED {
        return None;
    }
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    Some((x1 / n1 - x2 / n2) / se)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, relative: f64) -> bool {
        (a - b).abs() <= relative * b.abs()
    }

    #[test]
    fn erfc_matches_tabulated_values() {
        // Values from Abramowitz & Stegun, table 7.1, and high-precision references.
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_1),
            (2.0, 0.004_677_734_981_047_266),
            (3.0, 2.209_049_699_858_544e-5),
            (5.0, 1.537_459_794_428_035e-12),
            (-1.0, 1.842_700_792_949_715),
        ] {
            assert!(
                close(erfc(x), want, 2e-7),
                "erfc({x}) = {} not {want}",
                erfc(x)
            );
        }
    }

    #[test]
    fn normal_quantiles_give_their_probabilities() {
        assert!(close(normal_cdf(0.0), 0.5, 1e-7));
        assert!(close(normal_cdf(1.959_963_985), 0.975, 1e-7));
        assert!(close(normal_cdf(-1.959_963_985), 0.025, 1e-6));
        assert!(close(two_sided_p(2.575_829_304), 0.01, 1e-6));
        assert!(close(two_sided_p(-3.290_526_731), 0.001, 1e-6));
        assert!(close(two_sided_p(0.0), 1.0, 1e-7));
    }

    #[test]
    fn z_test_matches_a_worked_example() {
        // 31/69 against 105/141: pooled 136/210.
        let z = z_test(31, 69, 105, 141).unwrap();
        let pooled: f64 = 136.0 / 210.0;
        let se = (pooled * (1.0 - pooled) * (1.0 / 69.0 + 1.0 / 141.0)).sqrt();
        assert!(close(z, (31.0 / 69.0 - 105.0 / 141.0) / se, 1e-12));
        assert!(z < -4.0, "{z}");
        assert_eq!(z_test(30, 60, 30, 60), Some(0.0));
        assert_eq!(z_test(10, 10, 20, 20), None, "all passed: nothing to test");
        assert_eq!(z_test(3, 4, 50, 100), None, "too few attempts");
        assert_eq!(z_test(0, 0, 5, 10), None);
    }

    #[test]
    fn takes_means_and_medians() {
        assert_eq!(mean(&[]), None);
        assert_eq!(median(&[]), None);
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(median(&[6.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}
