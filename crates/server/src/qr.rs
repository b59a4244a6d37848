//! QR codes of short URLs, as PNG or SVG images of an exact pixel size.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The smallest and largest image side, in pixels.
pub const SIZE_RANGE: std::ops::RangeInclusive<u32> = 50..=3000;
/// Modules of white border around the code, as the QR standard asks.
const QUIET_ZONE: u32 = 4;

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The text is too long for any QR code.
    #[error("the URL is too long for a QR code")]
    TooLong,
    /// The PNG encoder failed.
    #[error("the PNG encoder failed: {0}")]
    Png(String),
}

fn code(text: &str) -> Result<QrCode, QrError> {
    // Level M survives a smudge or a logo while keeping short URLs small.
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|_| QrError::TooLong)
}

/// A `size`×`size` grey-scale PNG of `text`: whole pixels per module,
/// centred, the leftover pixels added to the white border.
pub fn png(text: &str, size: u32) -> Result<Vec<u8>, QrError> {
    let code = code(text)?;
    let modules = code.width() as u32;
    let total = modules + 2 * QUIET_ZONE;
    let scale = (size / total).max(1);
    let side = size.max(total * scale);
    let offset = (side - modules * scale) / 2;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; (side * side) as usize];
    for y in 0..modules {
        for x in 0..modules {
            if colors[(y * modules + x) as usize] == qrcode::Color::Dark {
                for dy in 0..scale {
                    let row = (offset + y * scale + dy) * side;
                    let start = (row + offset + x * scale) as usize;
                    pixels[start..start + scale as usize].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| QrError::Png(e.to_string()))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| QrError::Png(e.to_string()))?;
    writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
    Ok(out)
}

/// An SVG of `text`, `size` pixels wide and high.
pub fn svg(text: &str, size: u32) -> Result<String, QrError> {
    let code = code(text)?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(size, size)
        .max_dimensions(size, size)
        .quiet_zone(true)
        .build();
    // The renderer draws whole units per module, so its side may fall short
    // of `size`; its viewBox keeps the drawing, the outer size is set exactly.
    Ok(with_side(&image, size))
}

/// `image` with the `width` and `height` of its `<svg>` tag set to `size`.
fn with_side(image: &str, size: u32) -> String {
    let Some(start) = image.find("<svg") else {
        return image.to_owned();
    };
    let Some(len) = image[start..].find('>') else {
        return image.to_owned();
    };
    let tag = &image[start..start + len];
    let tag = set_attribute(&set_attribute(tag, "width", size), "height", size);
    format!("{}{tag}{}", &image[..start], &image[start + len..])
}

fn set_attribute(tag: &str, name: &str, value: u32) -> String {
    let needle = format!(" {name}=\"");
    let Some(at) = tag.find(&needle) else {
        return tag.to_owned();
    };
    let from = at + needle.len();
    match tag[from..].find('"') {
        Some(end) => format!("{}{value}{}", &tag[..from], &tag[from + end..]),
        None => tag.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_is_exactly_the_asked_size() {
        for size in [50, 300, 301, 3000] {
            let bytes = png("https://feedme.localhost:8080/H5hv/bananas7", size).unwrap();
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
            let reader = decoder.read_info().unwrap();
            assert_eq!((reader.info().width, reader.info().height), (size, size));
        }
    }

    #[test]
    fn an_svg_is_an_svg_document_of_exactly_the_asked_size() {
        for size in [50, 300, 500, 3000] {
            let text = svg("https://feedme.localhost:8080/H5hv/bananas7", size).unwrap();
            let tag = &text[text.find("<svg").unwrap()..];
            let tag = &tag[..tag.find('>').unwrap()];
            assert!(
                tag.contains(&format!(" width=\"{size}\" height=\"{size}\" viewBox=")),
                "{tag}"
            );
        }
    }
}
