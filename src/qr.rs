//! QR codes of verification page addresses, as SVG.

use anyhow::Result;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG QR code (error correction level M, quiet zone included) encoding `url`.
pub fn svg(url: &str) -> Result<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| anyhow::anyhow!("cannot make a QR code of {url}: {e}"))?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_svg() {
        let out = super::svg("https://certs.example.org/credentials/a-1/").unwrap();
        assert!(
            out.starts_with("<?xml") && out.contains("<svg") && out.contains("<path"),
            "{out}"
        );
    }
}
