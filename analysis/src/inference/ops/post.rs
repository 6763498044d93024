//! The ONNX-ML score post-transforms, computed in float32 the way onnxruntime does
//! (`ml_common.h`), so probabilities agree with it to the last bits where possible.

/// `post_transform` of the ONNX-ML classifiers and regressors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PostTransform {
    /// Scores are returned as they are.
    None,
    /// `1 / (1 + exp(-x))` per score.
    Logistic,
    /// Softmax over each row.
    Softmax,
    /// Softmax that leaves (near-)zero scores at zero.
    SoftmaxZero,
    /// `sqrt(2) * erfinv(2x - 1)` per score.
    Probit,
}

impl PostTransform {
    /// Parses the string attribute of the opset 1-3 operators.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "NONE" => Ok(Self::None),
            "LOGISTIC" => Ok(Self::Logistic),
            "SOFTMAX" => Ok(Self::Softmax),
            "SOFTMAX_ZERO" => Ok(Self::SoftmaxZero),
            "PROBIT" => Ok(Self::Probit),
            other => Err(format!("unknown post_transform `{other}`")),
        }
    }

    /// Parses the integer attribute of `TreeEnsemble` (ai.onnx.ml 5), numbered as in the
    /// specification: NONE 0, SOFTMAX 1, LOGISTIC 2, SOFTMAX_ZERO 3, PROBIT 4.
    pub fn from_code(code: i64) -> Result<Self, String> {
        match code {
            0 => Ok(Self::None),
            1 => Ok(Self::Softmax),
            2 => Ok(Self::Logistic),
            3 => Ok(Self::SoftmaxZero),
            4 => Ok(Self::Probit),
            other => Err(format!("unknown post_transform {other}")),
        }
    }

    /// Applies the transform to one row of two or more scores.
    pub fn apply_row(self, row: &mut [f32]) {
        match self {
            Self::None => {}
            Self::Logistic => row.iter_mut().for_each(|v| *v = logistic(*v)),
            Self::Probit => row.iter_mut().for_each(|v| *v = probit(*v)),
            Self::Softmax => softmax(row),
            Self::SoftmaxZero => softmax_zero(row),
        }
    }
}

/// Numerically stable logistic, as onnxruntime's `ComputeLogistic`.
#[inline]
pub(crate) fn logistic(x: f32) -> f32 {
    let v = 1.0 / (1.0 + (-x.abs()).exp());
    if x < 0.0 {
        1.0 - v
    } else {
        v
    }
}

/// A float32 fused multiply-add `a * b + c` with one rounding. The product of two floats
/// is exact in f64 and the f64 sum rounds before the float rounding; the two roundings
/// differ from one only when the f64 result lands exactly on a float tie (vanishingly rare).
/// (`f32::mul_add` would be exact but is a libm call without the `fma` target feature.)
#[inline]
pub(crate) fn fma32(a: f32, b: f32, c: f32) -> f32 {
    (f64::from(a) * f64::from(b) + f64::from(c)) as f32
}

/// onnxruntime's `MlasComputeLogistic` (used by LinearClassifier and float Sigmoid): the
/// rational approximation from Eigen, evaluated with fused multiply-adds as its AVX2 kernel
/// does, so results are bit-identical to onnxruntime on x86-64.
#[inline]
pub(crate) fn mlas_logistic(x: f32) -> f32 {
    const A: [f32; 5] = [
        4.370_31e-11,
        1.156_273_2e-7,
        6.085_749e-5,
        8.513_771e-3,
        2.482_879_5e-1,
    ];
    const B: [f32; 6] = [
        6.102_473_7e-13,
        5.761_021_4e-9,
        6.291_068e-6,
        1.701_988_2e-3,
        1.168_176_5e-1,
        9.931_519e-1,
    ];
    if x.is_nan() {
        return x;
    }
    let v = x.clamp(-18.0, 18.0);
    let v2 = v * v;
    let mut p = fma32(v2, A[0], A[1]);
    p = fma32(p, v2, A[2]);
    p = fma32(p, v2, A[3]);
    p = fma32(p, v2, A[4]);
    p *= v;
    let mut q = fma32(v2, B[0], B[1]);
    q = fma32(q, v2, B[2]);
    q = fma32(q, v2, B[3]);
    q = fma32(q, v2, B[4]);
    q = fma32(q, v2, B[5]);
    (p / q + 0.5).clamp(0.0, 1.0)
}

/// onnxruntime's `ComputeProbit`: the approximate inverse error function it uses.
pub(crate) fn probit(x: f32) -> f32 {
    std::f32::consts::SQRT_2 * erf_inv(2.0 * x - 1.0)
}

fn erf_inv(x: f32) -> f32 {
    // Winitzki's approximation with a = 0.147, as in onnxruntime's `ErfInv`.
    let sgn = if x < 0.0 { -1.0f32 } else { 1.0 };
    let x = (1.0 - x) * (1.0 + x);
    let log = x.ln();
    let v = 2.0 / (std::f32::consts::PI * 0.147) + 0.5 * log;
    let v2 = 1.0 / 0.147 * log;
    let v3 = -v + (v * v - v2).sqrt();
    sgn * v3.sqrt()
}

/// Softmax of one row, as onnxruntime's `ComputeSoftmax` (float accumulation).
pub(crate) fn softmax(row: &mut [f32]) {
    let v_max = row
        .iter()
        .fold(-f32::MAX, |m, &v| if v > m { v } else { m });
    let mut sum = 0.0f32;
    for v in row.iter_mut() {
        *v = (*v - v_max).exp();
        sum += *v;
    }
    row.iter_mut().for_each(|v| *v /= sum);
}

/// onnxruntime's `ComputeSoftmaxZero`: scores within 1e-7 of zero stay (almost) zero.
pub(crate) fn softmax_zero(row: &mut [f32]) {
    let v_max = row
        .iter()
        .fold(-f32::MAX, |m, &v| if v > m { v } else { m });
    let exp_neg_v_max = (-v_max).exp();
    let mut sum = 0.0f32;
    for v in row.iter_mut() {
        if *v > 0.000_000_1 || *v < -0.000_000_1 {
            *v = (*v - v_max).exp();
            sum += *v;
        } else {
            *v *= exp_neg_v_max;
        }
    }
    row.iter_mut().for_each(|v| *v /= sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_match_closed_forms() {
        assert!((logistic(0.5) - 0.622_459_3).abs() < 1e-7);
        assert!((logistic(-0.5) - 0.377_540_67).abs() < 1e-7);
        let mut row = [1.0f32, 2.0, 3.0];
        softmax(&mut row);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((row[2] - 0.665_240_9).abs() < 1e-6);
        // probit(0.5) = 0 and it is odd around 0.5.
        assert!(probit(0.5).abs() < 1e-6);
        assert!((probit(0.8) + probit(0.2)).abs() < 1e-5);
        assert!((probit(0.975) - 1.96).abs() < 0.01);
        let mut z = [0.0f32, 1.0, 2.0];
        softmax_zero(&mut z);
        assert!(z[0] < 1e-6 && (z[1] + z[2] - 1.0).abs() < 1e-6);
        assert_eq!(PostTransform::from_code(1), Ok(PostTransform::Softmax));
        for x in [-30.0f32, -3.0, -0.5, 0.0, 0.25, 2.0, 17.0, 40.0] {
            assert!((mlas_logistic(x) - logistic(x)).abs() < 2e-7, "{x}");
        }
        assert!(mlas_logistic(f32::NAN).is_nan());
        assert!(PostTransform::parse("BOGUS").is_err());
    }
}
