//! Quantities as a person reads them, on the server and in the browser alike.

/// Bytes as a person reads them: "512 B", "1.5 KiB", "2.0 GiB".
///
/// In whole numbers, rounded as `format!("{:.1}")` rounds the exact quotient (half to even):
/// printing a float to one decimal would bring Rust's float formatting, about 17 KB of code,
/// into the browser's WebAssembly shell and so into every first page.
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let Ok(count) = u64::try_from(bytes) else {
        return format!("{bytes} B");
    };
    let (mut unit, mut divisor) = (0, 1u64);
    while count / divisor >= 1024 && unit < UNITS.len() - 1 {
        divisor *= 1024;
        unit += 1;
    }
    if unit == 0 {
        return format!("{bytes} B");
    }
    // Tenths of the unit, and what is left over, without overflowing for the largest sizes.
    let rest = count % divisor * 10;
    let mut tenths = count / divisor * 10 + rest / divisor;
    let left = rest % divisor;
    if 2 * left > divisor || (2 * left == divisor && tenths % 2 == 1) {
        tenths += 1;
    }
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::human_size;

    /// What the function printed when it formatted a float.
    fn as_float_printed(bytes: i64) -> String {
        const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
        let mut value = bytes as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit < UNITS.len() - 1 {
            value /= 1024.0;
            unit += 1;
        }
        if unit == 0 {
            format!("{bytes} B")
        } else {
            format!("{value:.1} {}", UNITS[unit])
        }
    }

    #[test]
    fn sizes_read_in_the_largest_unit_with_one_decimal() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(7 * 1024 * 1024 + 300_000), "7.3 MiB");
        assert_eq!(human_size(3 << 40), "3.0 TiB");
        assert_eq!(human_size(5000 << 40), "5000.0 TiB");
        assert_eq!(human_size(-5), "-5 B");
    }

    #[test]
    fn a_tie_rounds_to_even_as_float_printing_does() {
        // 1.25 KiB and 1.75 KiB exactly.
        assert_eq!(human_size(1280), "1.2 KiB");
        assert_eq!(human_size(1792), "1.8 KiB");
    }

    #[test]
    fn whole_number_sizes_print_as_the_float_did() {
        let mut samples: Vec<i64> = (0..300_000).step_by(7).collect();
        for unit in 1..5 {
            let base = 1i64 << (10 * unit);
            for near in [1, 2, 3, 10, 100, 1023, 1024] {
                let at = base * near;
                samples.extend([at - 1, at, at + 1, at + base / 20, at + base / 20 + 1]);
                samples.extend((0..64).map(|k| at + k * (base / 64)));
            }
        }
        samples.push(i64::MAX);
        for bytes in samples {
            assert_eq!(human_size(bytes), as_float_printed(bytes), "{bytes} bytes");
        }
    }
}
