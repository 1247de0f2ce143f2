// The period statistics page: the copy button puts the 工作简报 paragraph on the clipboard, and
// the custom dates show only with 自定义日期 (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("stats-copy");
  var text = document.getElementById("stats-briefing");
  if (button && text) {
    button.addEventListener("click", function () {
      var done = function () { button.textContent = button.dataset.done; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text.textContent.trim()).then(done);
      } else {
        var range = document.createRange();
        range.selectNodeContents(text);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.execCommand("copy");
        done();
      }
    });
  }
  var period = document.getElementById("id_period");
  var dates = document.getElementById("stats-dates");
  if (period && dates) {
    var toggle = function () { dates.hidden = period.value !== "custom"; };
    period.addEventListener("change", toggle);
    toggle();
  }
});
