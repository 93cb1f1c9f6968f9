//! Reads one 2-D tensor of a safetensors file, as `f32`.
//!
//! The format: an 8-byte little-endian header length `n`, `n` bytes of JSON mapping each tensor's
//! name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the data that follows
//! the header; an optional `"__metadata__"` entry is ignored), then the raw little-endian data.
//! Only what the static table needs is supported: the dtypes F16 and F32, two dimensions.
use serde_json::Value;

/// A row-major matrix.
pub(crate) struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

/// The tensor `name` of the safetensors file `bytes`; the error says what is wrong (the caller
/// names the file).
pub(crate) fn read_matrix(bytes: &[u8], name: &str) -> Result<Matrix, String> {
    let (len, rest) = bytes.split_first_chunk::<8>().ok_or_else(|| {
        format!("not a safetensors file: {} bytes, shorter than its header", bytes.len())
    })?;
    let header_len = usize::try_from(u64::from_le_bytes(*len))
        .ok()
        .filter(|&n| n <= rest.len())
        .ok_or_else(|| {
            format!(
                "not a safetensors file (truncated?): its header says {} bytes, but only {} follow",
                u64::from_le_bytes(*len),
                rest.len()
            )
        })?;
    let (header, data) = rest.split_at(header_len);
    let header: Value = serde_json::from_slice(header)
        .map_err(|e| format!("not a safetensors file: its header is not JSON ({e})"))?;
    let tensors = header
        .as_object()
        .ok_or_else(|| "not a safetensors file: its header is not a JSON object".to_string())?;
    let Some(tensor) = tensors.get(name) else {
        let names: Vec<&str> =
            tensors.keys().filter(|k| *k != "__metadata__").map(String::as_str).collect();
        return Err(format!("has no tensor {name:?} (it has {names:?})"));
    };
    let dtype = tensor["dtype"].as_str().unwrap_or_default();
    let width = match dtype {
        "F16" => 2,
        "F32" => 4,
        _ => {
            return Err(format!(
                "tensor {name:?} has dtype {dtype:?}, expected \"F16\" or \"F32\""
            ));
        }
    };
    let dims = |key: &str, n: usize| -> Option<Vec<usize>> {
        let values = tensor[key].as_array().filter(|a| a.len() == n)?;
        values.iter().map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok())).collect()
    };
    let shape = dims("shape", 2)
        .ok_or_else(|| format!("tensor {name:?} is not 2-D: shape {}", tensor["shape"]))?;
    let (rows, cols) = (shape[0], shape[1]);
    let offsets = dims("data_offsets", 2).ok_or_else(|| {
        format!("tensor {name:?} has bad data_offsets {}", tensor["data_offsets"])
    })?;
    let (begin, end) = (offsets[0], offsets[1]);
    let wanted = rows.checked_mul(cols).and_then(|n| n.checked_mul(width));
    if begin > end || Some(end - begin) != wanted {
        return Err(format!(
            "tensor {name:?} of shape [{rows}, {cols}] {dtype} has data_offsets [{begin}, {end}], which do not hold it"
        ));
    }
    let raw = data.get(begin..end).ok_or_else(|| {
        format!(
            "truncated: tensor {name:?} ends at byte {end} of the data, which has {} bytes",
            data.len()
        )
    })?;
    let data = match width {
        2 => raw.chunks_exact(2).map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect(),
        _ => raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
    };
    Ok(Matrix { rows, cols, data })
}

/// IEEE 754 half precision to single, exactly (every f16 is an f32).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        // Subnormal, man × 2⁻²⁴: shift the leading 1 to bit 10 (the implicit bit) and lower the
        // exponent as much.
        (0, _) => {
            let shift = man.leading_zeros() - 21;
            sign | ((113 - shift) << 23) | (((man << shift) & 0x3ff) << 13)
        }
        // Infinity and NaN (the payload kept).
        (0x1f, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A safetensors file with the given header JSON and data.
    pub(crate) fn file(header: &Value, data: &[u8]) -> Vec<u8> {
        let header = header.to_string();
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend(header.as_bytes());
        out.extend(data);
        out
    }

    fn f16_reference(h: u16) -> f64 {
        let sign = if h >> 15 == 1 { -1.0 } else { 1.0 };
        let exp = i32::from((h >> 10) & 0x1f);
        let man = f64::from(h & 0x3ff);
        match exp {
            0 => sign * man * 2f64.powi(-24),
            0x1f if man == 0.0 => sign * f64::INFINITY,
            0x1f => f64::NAN,
            _ => sign * (1024.0 + man) * 2f64.powi(exp - 25),
        }
    }

    #[test]
    fn every_f16_converts_exactly() {
        for h in 0..=u16::MAX {
            let (got, want) = (f16_to_f32(h), f16_reference(h));
            if want.is_nan() {
                assert!(got.is_nan(), "{h:#06x}");
            } else {
                assert_eq!(f64::from(got), want, "{h:#06x}");
                assert_eq!(got.is_sign_negative(), h >> 15 == 1, "{h:#06x}");
            }
        }
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
    }

    #[test]
    fn reads_an_f16_and_an_f32_matrix() {
        let halves: Vec<u8> =
            [0x3c00u16, 0xc000, 0x3800, 0].iter().flat_map(|h| h.to_le_bytes()).collect();
        let singles: Vec<u8> = [1.5f32, -0.25].iter().flat_map(|f| f.to_le_bytes()).collect();
        let header = serde_json::json!({
            "__metadata__": {"format": "pt"},
            "w": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]},
            "v": {"dtype": "F32", "shape": [1, 2], "data_offsets": [8, 16]},
        });
        let bytes = file(&header, &[halves, singles].concat());
        let w = read_matrix(&bytes, "w").unwrap();
        assert_eq!((w.rows, w.cols, w.data), (2, 2, vec![1.0, -2.0, 0.5, 0.0]));
        let v = read_matrix(&bytes, "v").unwrap();
        assert_eq!((v.rows, v.cols, v.data), (1, 2, vec![1.5, -0.25]));
    }

    #[test]
    fn a_broken_file_is_refused_with_what_is_wrong() {
        let ok =
            serde_json::json!({"w": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}});
        let err = |bytes: &[u8]| read_matrix(bytes, "w").err().unwrap();
        let with = |edit: &dyn Fn(&mut Value)| {
            let mut header = ok.clone();
            edit(&mut header);
            err(&file(&header, &[0; 8]))
        };
        assert!(read_matrix(&file(&ok, &[0; 8]), "w").is_ok());
        assert!(err(b"").contains("0 bytes, shorter than its header"));
        assert!(
            err(&[200, 0, 0, 0, 0, 0, 0, 0, b'{'])
                .contains("header says 200 bytes, but only 1 follow")
        );
        assert!(err(&[1, 0, 0, 0, 0, 0, 0, 0, b'{']).contains("header is not JSON"));
        assert!(err(&file(&serde_json::json!([1]), &[])).contains("not a JSON object"));
        assert!(err(&file(&ok, &[0; 7])).contains("truncated: tensor \"w\" ends at byte 8"));
        assert!(
            read_matrix(&file(&ok, &[0; 8]), "x")
                .err()
                .unwrap()
                .contains("no tensor \"x\" (it has [\"w\"])")
        );
        assert!(with(&|h| h["w"]["dtype"] = "I8".into()).contains("dtype \"I8\""));
        assert!(with(&|h| h["w"]["shape"] = serde_json::json!([4])).contains("not 2-D"));
        assert!(with(&|h| h["w"]["shape"] = serde_json::json!([2, 3])).contains("do not hold it"));
        assert!(
            with(&|h| h["w"]["data_offsets"] = serde_json::json!([8, 0]))
                .contains("do not hold it")
        );
        assert!(with(&|h| h["w"]["data_offsets"] = "x".into()).contains("bad data_offsets"));
    }
}
