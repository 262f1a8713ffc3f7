/** The console's stylesheet, served at `/console.css`. */
export const consoleCss = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f6f7f9; }
header { display: flex; gap: 1.5em; align-items: center; padding: .6em 1em; background: #1d3557; color: #fff; }
header a { color: #fff; margin-right: 1em; }
header .mode { margin-left: auto; font-size: 12px; opacity: .8; }
main { padding: 1em 1.5em; }
h1 { font-size: 20px; margin: .2em 0 .8em; }
h2 { font-size: 16px; margin: 1.4em 0 .5em; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { border: 1px solid #dde1e6; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state-running { color: #1b7f3b; } .state-failed { color: #b3261e; font-weight: 600; } .state-rebuilding { color: #a15c00; }
.error { color: #b3261e; white-space: pre-wrap; }
pre { background: #fff; border: 1px solid #dde1e6; padding: .6em; overflow: auto; max-height: 24em; }
form.filter, form.action { display: inline-flex; gap: .4em; align-items: center; margin: 0; }
form.filter { margin-bottom: .8em; }
.paging { margin: .8em 0; display: flex; gap: 1em; }
.muted { color: #68707a; }
.notice { background: #fff8e1; border: 1px solid #f0d58a; padding: .5em .8em; margin-bottom: 1em; }
`;

/**
 * The console's only script, served at `/console.js`: keeps the admin token typed into one action form for the
 * tab's session (sessionStorage, never a cookie: a cross-site form cannot send it) and fills it into the others.
 */
export const consoleJs = `
(function () {
  var key = 'tally-admin-token';
  function fill() {
    var token = sessionStorage.getItem(key);
    if (!token) return;
    document.querySelectorAll('form.action input[name=token]').forEach(function (input) { if (!input.value) input.value = token; });
  }
  document.addEventListener('submit', function (event) {
    var input = event.target.querySelector && event.target.querySelector('input[name=token]');
    if (input && input.value) sessionStorage.setItem(key, input.value);
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fill); else fill();
})();
`;
