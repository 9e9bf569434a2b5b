//! Keys for finding people by name: folding, duplicate-detection keys and search tokens.
//!
//! The office must not register the same person twice: the same name and birth date, with
//! accents, case and word order ignored, is a likely duplicate. [`name_key`] gives the text to
//! compare (and to index); [`search_tokens`] turns a search box query into words folded the
//! same way.
//!
//! Names are stored cleaned by [`clean`]: invisible characters (zero-width spaces and joiners,
//! the soft hyphen, bidirectional controls, every Unicode default-ignorable code point) are
//! removed and the text is put in Unicode Normalization Form C, so that `"Ma\u{200B}rio"` is
//! stored, compared and found as `"Mario"`. [`fold`] drops the same characters, so search
//! queries are cleaned the same way.

use unicode_normalization::UnicodeNormalization;

/// Maximum length, in characters, of one search token.
pub const MAX_TOKEN_CHARS: usize = 64;
/// Maximum number of search tokens taken from one query.
pub const MAX_TOKENS: usize = 8;

/// True for the code points that Unicode declares default-ignorable (`Default_Ignorable_Code_Point`
/// in `DerivedCoreProperties.txt`): they render as nothing, so two names that differ only by them
/// look identical. Among them: the soft hyphen U+00AD, the zero-width space, non-joiner and
/// joiner U+200B–U+200D, the left-to-right and right-to-left marks U+200E–U+200F, the
/// bidirectional embeddings and overrides U+202A–U+202E, the word joiner U+2060 and invisible
/// operators, the bidirectional isolates U+2066–U+2069, variation selectors, the byte-order mark
/// U+FEFF and the tag characters.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Cleans a name as typed: removes the invisible characters of [`is_invisible`] and puts the
/// rest in Unicode Normalization Form C (a decomposed `"e\u{301}"` becomes `"é"`). Whitespace
/// and visible characters are kept as they are.
///
/// `clean("Ma\u{200B}rio")` is `"Mario"`.
pub fn clean(text: &str) -> String {
    text.chars().filter(|c| !is_invisible(*c)).nfc().collect()
}

/// What a lower-case character becomes once folded: `None` keeps it as it is.
fn fold_lower(c: char) -> Option<&'static str> {
    let folded = match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ō' | 'ő' | 'ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ş' | 'ș' | 'ś' | 'š' => "s",
        'ţ' | 'ț' | 'ť' => "t",
        'đ' | 'ď' => "d",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'ř' | 'ŕ' => "r",
        'ž' | 'ź' | 'ż' => "z",
        'ğ' | 'ģ' => "g",
        'ķ' => "k",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => return None,
    };
    Some(folded)
}

/// True for the characters that separate words in a name: apostrophes (`'`, `’`, `‘`, `` ` ``,
/// `ʼ`, `´`), hyphens and dashes, and dots.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '\'' | '’' | '‘' | '`' | 'ʼ' | '´' | '-' | '‐' | '‑' | '‒' | '–' | '—' | '.'
    )
}

/// True for combining diacritical marks (U+0300–U+036F), which decomposed input carries
/// separately from its letters.
fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Folds a name for comparison: lower case, diacritics of Latin letters stripped (`à` → `a`,
/// `ș` → `s`, `ß` → `ss`, `æ` → `ae`, `œ` → `oe`, `ø` → `o`), apostrophes, hyphens and dots
/// turned into spaces, whitespace collapsed to single spaces and trimmed.
///
/// Invisible characters ([`is_invisible`]) are dropped.
///
/// `fold("D’Àngelo-Rossi  Maria")` is `"d angelo rossi maria"`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        if is_separator(c) {
            out.push(' ');
            continue;
        }
        for lower in c.to_lowercase() {
            if is_combining_mark(lower) {
                continue;
            }
            match fold_lower(lower) {
                Some(folded) => out.push_str(folded),
                None => out.push(lower),
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The duplicate-detection key of a person's name: the folded words of the given and family
/// names, sorted and joined by a single space. Accents, case, word order and which field a
/// word was typed in are ignored: `("Maria", "D'Angelo")`, `("D’ANGELO", "Maria")` and
/// `("màrïa d angelo", "")` all give `"angelo d maria"`.
pub fn name_key(given_names: &str, family_names: &str) -> String {
    let folded = fold(&format!("{given_names} {family_names}"));
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    words.join(" ")
}

/// The words of a search query, folded as by [`fold`]: in the order given, without duplicates
/// or empty words, each cut to [`MAX_TOKEN_CHARS`] characters, at most [`MAX_TOKENS`] of them.
/// Commas and semicolons also separate words (`"Rossi, Mario"`).
pub fn search_tokens(query: &str) -> Vec<String> {
    let folded = fold(query);
    let mut tokens: Vec<String> = Vec::new();
    for word in folded.split([' ', ',', ';']) {
        if tokens.len() == MAX_TOKENS {
            break;
        }
        let token: String = word.chars().take(MAX_TOKEN_CHARS).collect();
        if !token.is_empty() && !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fold_lowercases_and_strips_diacritics() {
        assert_eq!(fold("Niccolò"), "niccolo");
        assert_eq!(
            fold("àáâäãå èéêë ìíîï òóôöõ ùúûü ç ñ ýÿ"),
            "aaaaaa eeee iiii ooooo uuuu c n yy"
        );
        assert_eq!(
            fold("ÀÁÂÄÃÅ ÈÉÊË ÌÍÎÏ ÒÓÔÖÕ ÙÚÛÜ Ç Ñ ÝŸ"),
            "aaaaaa eeee iiii ooooo uuuu c n yy"
        );
        assert_eq!(
            fold("ş ș ț ć č đ ł ń ő ř š ű ž"),
            "s s t c c d l n o r s u z"
        );
        assert_eq!(
            fold("Ş Ș Ț Ć Č Đ Ł Ń Ő Ř Š Ű Ž"),
            "s s t c c d l n o r s u z"
        );
        assert_eq!(
            fold("Straße Æsa Œuvre Øyvind"),
            "strasse aesa oeuvre oyvind"
        );
        assert_eq!(fold("STRASSE"), fold("straße"));
        assert_eq!(fold("Đorđević"), "dordevic");
        assert_eq!(fold("Ştefănescu"), "stefanescu");
        assert_eq!(fold("Yılmaz Çağlar İnce"), "yilmaz caglar ince");
    }

    #[test]
    fn fold_handles_decomposed_accents() {
        assert_eq!(fold("Nicc\u{6F}\u{300}lo"), "niccolo");
        assert_eq!(fold("E\u{301}lodie"), "elodie");
    }

    #[test]
    fn fold_turns_punctuation_into_spaces_and_collapses_whitespace() {
        assert_eq!(fold("D'Angelo"), "d angelo");
        assert_eq!(fold("D’Angelo"), "d angelo");
        assert_eq!(fold("D`Angelo"), "d angelo");
        assert_eq!(fold("Rossi-Bianchi"), "rossi bianchi");
        assert_eq!(fold("Rossi–Bianchi"), "rossi bianchi");
        assert_eq!(fold("M. Rossi"), "m rossi");
        assert_eq!(fold("  Maria \t\n  Rossi  "), "maria rossi");
        assert_eq!(fold("Maria\u{A0}Rossi"), "maria rossi");
        assert_eq!(fold(" ' - . "), "");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn fold_keeps_other_scripts() {
        assert_eq!(fold("Мария"), "мария");
        assert_eq!(fold("محمد"), "محمد");
    }

    #[test]
    fn name_key_ignores_accents_case_and_order() {
        let key = name_key("Maria", "D'Angelo");
        assert_eq!(key, "angelo d maria");
        assert_eq!(name_key("D'Angelo Maria", ""), key);
        assert_eq!(name_key("Maria", "D’ANGELO"), key);
        assert_eq!(name_key("màrïa d angelo", ""), key);
        assert_eq!(name_key("D’ANGELO", "Maria"), key);
        assert_eq!(name_key("  ", "Maria   D.Angelo "), key);
        assert_ne!(name_key("Maria", "Rossi"), name_key("Mario", "Rossi"));
        assert_eq!(name_key("", ""), "");
    }

    #[test]
    fn name_key_keeps_repeated_words() {
        assert_eq!(name_key("Anna Maria", "Maria"), "anna maria maria");
        assert_ne!(name_key("Anna Maria", "Maria"), name_key("Anna", "Maria"));
    }

    #[test]
    fn search_tokens_are_folded_unique_and_bounded() {
        assert_eq!(
            search_tokens("  Rossi   MARIA rossi "),
            vec!["rossi", "maria"]
        );
        assert_eq!(search_tokens("D’Àngelo"), vec!["d", "angelo"]);
        assert_eq!(
            search_tokens("Rossi, Mario;Bianchi"),
            vec!["rossi", "mario", "bianchi"]
        );
        assert!(search_tokens("").is_empty());
        assert!(search_tokens(" - ' . , ").is_empty());
        let long = "a".repeat(100);
        assert_eq!(search_tokens(&long), vec!["a".repeat(MAX_TOKEN_CHARS)]);
        let long_accented = "è".repeat(100);
        assert_eq!(
            search_tokens(&long_accented),
            vec!["e".repeat(MAX_TOKEN_CHARS)]
        );
        let many = "a b c d e f g h i j k";
        assert_eq!(
            search_tokens(many),
            vec!["a", "b", "c", "d", "e", "f", "g", "h"]
        );
        assert_eq!(search_tokens("a a a a a a a a a b").len(), 2);
    }

    #[test]
    fn clean_removes_invisible_characters() {
        assert_eq!(clean("Ma\u{200B}rio"), "Mario");
        assert_eq!(clean("\u{FEFF}Ma\u{200C}r\u{200D}io\u{2060}"), "Mario");
        assert_eq!(clean("Ros\u{00AD}si"), "Rossi");
        assert_eq!(clean("\u{202E}Rossi\u{202C}"), "Rossi");
        assert_eq!(clean("\u{200E}\u{200F}\u{2066}Rossi\u{2069}"), "Rossi");
        assert_eq!(clean("Rossi\u{E0041}"), "Rossi");
        assert_eq!(clean("Maria Rossi"), "Maria Rossi");
        assert_eq!(clean(""), "");
    }

    #[test]
    fn clean_normalises_to_nfc() {
        assert_eq!(clean("Nicc\u{6F}\u{300}lo"), "Nicc\u{F2}lo");
        assert_eq!(clean("E\u{301}lodie"), "\u{C9}lodie");
        assert_eq!(clean("\u{C9}lodie"), "\u{C9}lodie");
        assert_eq!(clean("Мария"), "Мария");
    }

    #[test]
    fn invisible_characters_do_not_change_keys_or_tokens() {
        assert_eq!(
            name_key("Ma\u{200B}rio", "Ros\u{AD}si"),
            name_key("Mario", "Rossi")
        );
        assert_eq!(search_tokens("Ma\u{200B}rio"), vec!["mario"]);
        assert_eq!(fold("\u{202E}Rossi"), "rossi");
        assert!(!is_invisible('a'));
        assert!(!is_invisible(' '));
        assert!(is_invisible('\u{200B}'));
    }

    /// Name-like words: Latin letters with and without diacritics and apostrophes.
    fn word() -> impl Strategy<Value = String> {
        "[a-zA-ZàáâäãåèéêëìíîïòóôöõùúûüçñýÿşșțćčđłńőřšűžßæœøÀÈÉÌÒÙÇÑŠŽ'’-]{1,12}"
    }

    fn words() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(word(), 0..5)
    }

    proptest! {
        #[test]
        fn name_key_is_invariant_under_swapping(given in words(), family in words()) {
            let (given, family) = (given.join(" "), family.join(" "));
            prop_assert_eq!(name_key(&given, &family), name_key(&family, &given));
        }

        #[test]
        fn name_key_is_invariant_under_upper_casing(given in words(), family in words()) {
            let (given, family) = (given.join(" "), family.join(" "));
            prop_assert_eq!(
                name_key(&given.to_uppercase(), &family.to_uppercase()),
                name_key(&given, &family)
            );
        }

        #[test]
        fn name_key_is_invariant_under_word_order(
            (all, shuffled) in words().prop_flat_map(|w| (Just(w.clone()), Just(w).prop_shuffle())),
            split in any::<prop::sample::Index>(),
            shuffled_split in any::<prop::sample::Index>(),
        ) {
            let at = split.index(all.len() + 1);
            let shuffled_at = shuffled_split.index(shuffled.len() + 1);
            let original = name_key(&all[..at].join(" "), &all[at..].join(" "));
            let reordered =
                name_key(&shuffled[..shuffled_at].join(" "), &shuffled[shuffled_at..].join(" "));
            prop_assert_eq!(original, reordered);
        }

        #[test]
        fn fold_is_idempotent_and_never_panics(text in "\\PC{0,40}") {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' '));
            prop_assert!(!once.contains("  "));
            let tokens = search_tokens(&text);
            prop_assert!(tokens.len() <= MAX_TOKENS);
            prop_assert!(tokens.iter().all(|t| !t.is_empty() && t.chars().count() <= MAX_TOKEN_CHARS));
        }

        #[test]
        fn clean_is_idempotent_and_leaves_nothing_invisible(text in "\\PC{0,40}") {
            let once = clean(&text);
            prop_assert_eq!(clean(&once), once.clone());
            prop_assert!(!once.chars().any(is_invisible));
        }
    }
}
