//! The front page's stylesheet, inlined so the page needs nothing else.
//!
//! Written for a phone first: one column, nothing with a fixed width, long
//! words allowed to break, dates kept whole. Wider screens get a grid of
//! channel blocks, the latest stories across the top in two columns. Logical
//! properties (`margin-inline-start`, `text-align:start`) so right-to-left
//! blocks mirror without rules of their own.

pub const STYLE: &str = "\
*,*::before,*::after{box-sizing:border-box}\
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\
body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;\
line-height:1.45;color:#1a1a1a;background:#fff}\
:lang(ar),:lang(fa),:lang(ur){font-family:'Noto Naskh Arabic','Noto Sans Arabic',\
'Segoe UI',Tahoma,system-ui,sans-serif}\
.masthead,main,footer{max-width:72rem;margin-inline:auto;padding-inline:1rem}\
.masthead{padding-block:1.25rem .5rem;border-bottom:4px double #1a1a1a}\
h1{margin:0;font-size:clamp(1.6rem,6vw,2.6rem);line-height:1.1}\
.masthead p{margin:.35rem 0 0;color:#555}\
h1,h2,h3,li,.name,.masthead p{overflow-wrap:anywhere}\
a{color:#0645ad}a:focus-visible{outline:2px solid #0645ad;outline-offset:2px}\
.blocks{display:grid;gap:1.25rem 2rem;padding-block:1rem;\
grid-template-columns:repeat(auto-fill,minmax(min(100%,19rem),1fr))}\
.block{min-width:0}.lead{grid-column:1/-1}\
.lead ol{columns:2 22rem;column-gap:2rem}\
.block h2{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem .5rem;margin:0;\
padding-top:.35rem;border-top:3px solid #1a1a1a;font-size:1.15rem}\
.breaking h2{color:#b00020;border-color:#b00020}\
.kicker{font-size:.75rem;font-weight:600;text-transform:uppercase;letter-spacing:.05em;color:#666}\
h2 .feed{margin-inline-start:auto;font-size:.75rem;font-weight:600}\
.headlines{list-style:none;margin:0;padding:0}\
.headlines li{padding-block:.55rem;border-bottom:1px solid #e5e5e5;break-inside:avoid;\
text-align:start}\
.headlines h3{margin:0;font-size:1rem;font-weight:600;line-height:1.3}\
.lead li:first-child h3{font-size:1.3rem}\
.headlines h3 a{color:inherit;text-decoration:none}\
.headlines h3 a:hover{text-decoration:underline}\
.meta{margin:.2rem 0 0;font-size:.85rem;color:#555}\
.source{font-weight:600}.meta time{white-space:nowrap}\
.meta time::before{content:'· '}\
.empty{padding-block:2rem;color:#555}\
footer{margin-block:2rem;padding-block:1rem;border-top:1px solid #ccc}\
footer h2{margin:0 0 .25rem;font-size:1.25rem}footer h3{margin:1.25rem 0 .25rem;font-size:1rem}\
.feeds{list-style:none;margin:0;padding:0}\
.feeds li{display:flex;flex-wrap:wrap;align-items:baseline;gap:.15rem .75rem;\
padding-block:.35rem;border-bottom:1px solid #eee}\
.name{flex:1 1 9rem;font-weight:600}\
.count{font-size:.85rem;color:#666;white-space:nowrap}\
.formats{display:flex;flex-wrap:wrap;gap:.15rem .75rem}.formats a{white-space:nowrap}\
.skip{margin:.5rem 0 0;font-size:.85rem}\
@media (prefers-color-scheme:dark){body{color:#e8e8e8;background:#121212}\
a{color:#8ab4f8}.masthead{border-color:#e8e8e8}.block h2{border-color:#e8e8e8}\
.breaking h2{color:#ff8a80;border-color:#ff8a80}.masthead p,.meta,.empty{color:#b0b0b0}\
.kicker,.count{color:#9a9a9a}.headlines li,.feeds li{border-color:#333}footer{border-color:#444}}";
