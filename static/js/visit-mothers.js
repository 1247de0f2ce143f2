// The visit form's search for another caring mother: each match is a button; tapping it adds
// the mother to the ticked list above (as a ticked checkbox of the form). The server checks
// every id again when the form is saved.
(function () {
  "use strict";
  var input = document.querySelector("input[data-mother-search-url]");
  if (!input || !window.fetch) {
    return;
  }
  var list = document.getElementById(input.getAttribute("data-list"));
  var results = document.getElementById(input.getAttribute("data-results"));
  var url = input.getAttribute("data-mother-search-url");
  var timer = null;
  var latest = 0;

  function listed(id) {
    return list.querySelector('input[name="visitors"][value="' + id + '"]');
  }

  function add(result) {
    var box = listed(result.id);
    if (!box) {
      var label = document.createElement("label");
      label.htmlFor = "id_visitors_" + result.id;
      box = document.createElement("input");
      box.type = "checkbox";
      box.name = "visitors";
      box.value = String(result.id);
      box.id = "id_visitors_" + result.id;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + result.label));
      list.appendChild(label);
    }
    box.checked = true;
    results.textContent = "";
    input.value = "";
  }

  function render(found) {
    results.textContent = "";
    if (!found.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = input.getAttribute("data-empty");
      results.appendChild(empty);
      return;
    }
    found.forEach(function (result) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = result.label;
      button.addEventListener("click", function () {
        add(result);
      });
      item.appendChild(button);
      results.appendChild(item);
    });
  }

  function search() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (!query) {
      results.textContent = "";
      return;
    }
    fetch(url + "&q=" + encodeURIComponent(query), {
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
  // Enter in the search box searches; it must not send the whole visit form.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      window.clearTimeout(timer);
      search();
    }
  });
})();
