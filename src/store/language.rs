//! Display names of languages, written in the language itself, for the
//! language channels' titles ("العربية", not "Arabic").

/// The endonym for a BCP 47 code's primary language, or the code itself when
/// it is not one of the languages listed here.
pub(crate) fn display_name(code: &str) -> String {
    let primary = code
        .split(['-', '_'])
        .next()
        .unwrap_or(code)
        .to_ascii_lowercase();
    let name = match primary.as_str() {
        "ar" => "العربية",
        "de" => "Deutsch",
        "en" => "English",
        "es" => "Español",
        "fa" => "فارسی",
        "fr" => "Français",
        "he" => "עברית",
        "hi" => "हिन्दी",
        "it" => "Italiano",
        "ja" => "日本語",
        "ko" => "한국어",
        "nl" => "Nederlands",
        "pt" => "Português",
        "ru" => "Русский",
        "sw" => "Kiswahili",
        "tr" => "Türkçe",
        "uk" => "Українська",
        "ur" => "اردو",
        "zh" => "中文",
        _ => return code.to_owned(),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_subtags_use_the_primary_language() {
        assert_eq!(display_name("es-419"), "Español");
        assert_eq!(display_name("AR"), "العربية");
    }

    #[test]
    fn unknown_codes_are_shown_as_given() {
        assert_eq!(display_name("qaa"), "qaa");
    }
}
