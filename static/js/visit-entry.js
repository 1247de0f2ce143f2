// Live search for the visit-entry page. Without JavaScript the search form still works
// (it submits and the server lists the matches); this only fills the list while typing.
(function () {
  "use strict";
  var input = document.querySelector("input[data-search-url]");
  if (!input || !window.fetch) {
    return;
  }
  var list = document.getElementById(input.getAttribute("data-results"));
  var url = input.getAttribute("data-search-url");
  var timer = null;
  var latest = 0;

  function render(results) {
    list.textContent = "";
    if (!results.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = list.getAttribute("data-empty");
      list.appendChild(empty);
      return;
    }
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.className = "choice";
      link.href = result.url;
      link.textContent = result.label;
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  function search() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (!query) {
      list.textContent = "";
      return;
    }
    fetch(url + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        if (ticket === latest) {
          render(data.results || []);
        }
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
})();
