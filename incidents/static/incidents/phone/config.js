/* What the server wrote into the page for its script (incidents.views.phone_page): the worker's
 * name, the API's URLs, the words in the worker's language, the map's defaults. Read once: the page
 * is kept by the service worker and must start from it with no network. */

export const config = JSON.parse(document.getElementById("phone-config").textContent);
