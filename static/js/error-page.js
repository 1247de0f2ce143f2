// The error pages' "back to the previous page" button: shown only when there is a page to go back to.
(function () {
  var button = document.getElementById("error-back");
  if (!button || window.history.length < 2) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.history.back(); });
})();
