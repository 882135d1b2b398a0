//! Hand-written probes for what feedparser's cases do not exercise: the
//! places where a streaming tokenizer and a tree builder can disagree
//! (raw-text elements, foreign content, unclosed tags, comments) and URL
//! schemes hidden behind character references.

/// Each probe is hostile; a safe sanitizer output has no dangerous construct.
pub const PROBES: &[&str] = &[
    "<title><script>alert(1)</script></title>",
    "<xmp><script>alert(1)</script></xmp>",
    "<noembed><img src=x onerror=alert(1)></noembed>",
    "<noframes><script>alert(1)</script></noframes>",
    "<plaintext><script>alert(1)</script>",
    "<textarea><script>alert(1)</script></textarea>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<select><template><style><img src=x onerror=alert(1)></style></template></select>",
    "<div><style><!--</style><img src=x onerror=alert(1)>--></style></div>",
    "<p>a</p><!--><script>alert(1)</script>-->",
    "<script>alert(1)",
    "<img src=\"x\" onerror=\"alert(1)\"",
    "<a href=\"https://ok.example/\" <img src=x onerror=alert(1)>x</a>",
    "<scr<script>ipt>alert(1)</script>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript&#x3A;alert(1)\">x</a>",
    "<a href=\"java&Tab;script:alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href=\" \u{1}javascript:alert(1)\">x</a>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<blockquote cite=\"javascript:alert(1)\">q</blockquote>",
];
