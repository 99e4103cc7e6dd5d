"""The report page's style sheet: system fonts only, nothing fetched."""

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1d2327; margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1500px; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #d0d7de;
     padding-bottom: .2rem; }
.question { font-size: 1.05rem; margin: 0 0 .6rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dt { color: #57606a; }
dd { margin: 0; overflow-wrap: anywhere; }
.warnings { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem 1rem .5rem 2rem;
            border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
         border-bottom: 1px solid #e4e8eb; }
th { background: #f6f8fa; }
td ul { margin: 0; padding-left: 1.1rem; }
code { font-size: .88rem; }
a { color: #0a58ca; }
.title { font-style: italic; }
.sources { color: #57606a; font-size: .85rem; }
.nothing { font-size: 1.05rem; padding: .8rem 1rem; background: #f6f8fa; border-radius: 4px; }
.note { color: #57606a; font-size: .9rem; margin: 0 0 .4rem; }
.status, .level { display: inline-block; padding: 0 .35rem; border-radius: 3px;
                  font-size: .85rem; white-space: nowrap; }
.status.in_force { background: #b2182b; color: #fff; }
.status.suspended { background: #4575b4; color: #fff; }
.status.pending { background: #e08214; color: #fff; }
.status.none { background: #e4e8eb; }
.level { background: #eef1f4; font-family: ui-monospace, monospace; }
.level.ban, .level.end_user_ban { background: #f4c7c3; }
.level.quota, .level.tightened_review, .level.licence_required { background: #fde2c4; }
footer { margin-top: 2.5rem; color: #57606a; font-size: .9rem; }
"""
