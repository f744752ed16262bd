/* planbot interface text: Swedish first, English when the browser prefers it or the reader switches. */
var PlanbotI18n = (function () {
  "use strict";

  var STRINGS = {
    sv: {
      title: "Fråga biblioteksdokumenten",
      intro: "Ställ en fråga om bibliotekslagen, biblioteksplaner och regeringens beslut. Varje svar hänvisar till dokumenten det bygger på.",
      questionLabel: "Din fråga",
      placeholder: "T.ex. Vilka grupper ska folkbiblioteken ägna särskild uppmärksamhet?",
      send: "Fråga",
      searching: "Söker i dokumenten …",
      newConversation: "Ny konversation",
      deleteConversation: "Radera konversationen",
      deleteFailed: "Konversationen kunde inte raderas. Försök igen.",
      deleted: "Konversationen är raderad.",
      filters: "Avgränsa sökningen",
      filtersActive: "Avgränsa sökningen ({n} valda)",
      docTypes: "Dokumenttyp",
      documents: "Dokument",
      dateFrom: "Gäller från",
      dateTo: "Gäller till",
      clearFilters: "Rensa avgränsningar",
      you: "Du",
      bot: "planbot",
      interpretedAs: "Tolkad som: ”{q}”",
      refusedTitle: "Dokumenten svarar inte på det",
      errorTitle: "Något gick fel",
      errorNetwork: "Kunde inte nå planbot. Kontrollera nätverket och försök igen. Är chatten inbäddad på en annan webbplats måste den webbplatsen vara tillåten i PLANBOT_CORS_ORIGINS.",
      errorTodo: "Försök igen om en stund. Kvarstår felet, kontakta den som driver planbot.",
      errorCut: "Svaret avbröts innan det var klart.",
      retry: "Försök igen",
      sources: "Källor",
      showInDocument: "Visa i dokumentet",
      source: "Källa",
      close: "Stäng",
      citation: "Källa {n}: {label}",
      copy: "Kopiera med källor",
      copied: "Kopierat med källor.",
      copyFailed: "Kunde inte kopiera. Markera texten och kopiera den själv.",
      helpful: "Bra svar",
      notHelpful: "Dåligt svar",
      feedbackThanks: "Tack! Din bedömning är sparad.",
      comment: "Kommentar (valfri)",
      sendComment: "Skicka kommentar",
      commentSaved: "Tack! Kommentaren är sparad.",
      feedbackFailed: "Bedömningen kunde inte sparas: {detail}",
      language: "Språk",
      emptyQuestion: "Skriv en fråga först.",
      openChat: "Fråga planbot",
      badFilters: "Widgetens data-planbot-filters är inte giltig JSON, så sökningen är inte avgränsad.",
      restoreFailed: "Den tidigare konversationen kunde inte hämtas.",
      documentsFailed: "Dokumentlistan kunde inte hämtas; du kan ändå ställa frågor.",
      uploadTitle: "Ladda upp plan",
      uploadIntro: "Lägg till en plan eller ett annat dokument. Det går att söka i när det är inbäddat; hur långt det har kommit visas här.",
      uploadFile: "Dokument",
      uploadFileHint: "PDF, HTML, Markdown eller text.",
      uploadMeta: "Uppgifter om planen (valfria; det som saknas läses ur dokumentet)",
      fieldOrganisation: "Kommun eller region",
      fieldDocType: "Dokumenttyp",
      fieldKind: "Slag av dokument",
      fieldPeriod: "Period, t.ex. 2025–2028",
      fieldAdopted: "Antagen, ÅÅÅÅ-MM-DD",
      fieldAdoptedBy: "Antagen av",
      apiKey: "API-nyckel",
      apiKeyHint: "Behövs när planbot har en nyckel (PLANBOT_API_KEY). Sparas bara i den här fliken.",
      uploadSend: "Ladda upp",
      uploadNoFile: "Välj en fil först.",
      phaseSending: "Skickar och läser filen …",
      phaseQueued: "Väntar på att få börja …",
      phaseReading: "Läser filerna …",
      phaseEmbedding: "Bäddar in {done} av {total} texter",
      phaseEmbeddingChunks: "Bäddar in {chunks} stycken …",
      phaseIndexing: "Skriver sökindexet …",
      phaseRefining: "Sökbart nu; finslipar rankningen: {done} av {total} meningar",
      phaseDone: "Sökbart",
      phaseFailed: "Avbrutet",
      progressFigure: "{phase} · {percent} % · {seconds} s",
      progressFigureNoPercent: "{phase} · {seconds} s",
      uploadDone: "Klart: ”{title}” är sökbart efter {seconds} s ({chunks} stycken).",
      uploadFailed: "Dokumentet kunde inte läggas till",
      openDocument: "Visa dokumentet",
      unreadablePages: "Sidor som inte gick att läsa, inte heller med OCR: {pages}. Deras text är inte sökbar.",
      ocrPages: "Sidor lästa med OCR (kontrollera citaten): {pages}.",
      aboutDocument: "Uppgifter om dokumentet",
      aboutHint: "Angivna vid uppladdningen eller hittade i dokumentet. Rätta dem här; dokumentet bäddas inte in igen.",
      saveMeta: "Spara uppgifterna",
      metaSaved: "Uppgifterna är sparade.",
      metaUnchanged: "Inget är ändrat.",
      error401: "Ange rätt API-nyckel (PLANBOT_API_KEY) i fältet API-nyckel.",
      error403: "Den här planbot tar inte emot uppladdningar utan nyckel. Be den som driver planbot om API-nyckeln.",
      error409: "Dokumentet finns redan; det behöver inte laddas upp igen.",
      error413: "Filen är för stor. Dela upp dokumentet, eller be den som driver planbot att höja gränsen.",
      error415: "Spara dokumentet som PDF, HTML, Markdown eller text och ladda upp det igen.",
      error422: "Rätta det som står ovan och försök igen.",
      errorUploadNetwork: "Kunde inte nå planbot. Kontrollera nätverket och försök igen.",
    },
    en: {
      title: "Ask the library documents",
      intro: "Ask about the Swedish Library Act, library plans and government decisions. Every answer cites the documents it rests on.",
      questionLabel: "Your question",
      placeholder: "E.g. Which groups should public libraries give special attention?",
      send: "Ask",
      searching: "Searching the documents …",
      newConversation: "New conversation",
      deleteConversation: "Delete conversation",
      deleteFailed: "The conversation could not be deleted. Try again.",
      deleted: "The conversation is deleted.",
      filters: "Narrow the search",
      filtersActive: "Narrow the search ({n} selected)",
      docTypes: "Document type",
      documents: "Documents",
      dateFrom: "Valid from",
      dateTo: "Valid to",
      clearFilters: "Clear filters",
      you: "You",
      bot: "planbot",
      interpretedAs: "Understood as: “{q}”",
      refusedTitle: "The documents do not answer this",
      errorTitle: "Something went wrong",
      errorNetwork: "Could not reach planbot. Check the network and try again. If the chat is embedded on another site, that site must be allowed in PLANBOT_CORS_ORIGINS.",
      errorTodo: "Try again in a moment. If it keeps failing, contact whoever runs planbot.",
      errorCut: "The answer stopped before it was complete.",
      retry: "Try again",
      sources: "Sources",
      showInDocument: "Show in document",
      source: "Source",
      close: "Close",
      citation: "Source {n}: {label}",
      copy: "Copy with sources",
      copied: "Copied with sources.",
      copyFailed: "Could not copy. Select the text and copy it yourself.",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      feedbackThanks: "Thank you! Your rating is saved.",
      comment: "Comment (optional)",
      sendComment: "Send comment",
      commentSaved: "Thank you! Your comment is saved.",
      feedbackFailed: "Your rating could not be saved: {detail}",
      language: "Language",
      emptyQuestion: "Write a question first.",
      openChat: "Ask planbot",
      badFilters: "The widget's data-planbot-filters is not valid JSON, so the search is not narrowed.",
      restoreFailed: "The earlier conversation could not be loaded.",
      documentsFailed: "The document list could not be loaded; you can still ask questions.",
      uploadTitle: "Upload a plan",
      uploadIntro: "Add a plan or another document. It can be searched once it is embedded; how far it has come shows here.",
      uploadFile: "Document",
      uploadFileHint: "PDF, HTML, Markdown or text.",
      uploadMeta: "About the plan (optional; what is left out is read from the document)",
      fieldOrganisation: "Municipality or region",
      fieldDocType: "Document type",
      fieldKind: "Kind of document",
      fieldPeriod: "Period, e.g. 2025–2028",
      fieldAdopted: "Adopted, YYYY-MM-DD",
      fieldAdoptedBy: "Adopted by",
      apiKey: "API key",
      apiKeyHint: "Needed when planbot has a key (PLANBOT_API_KEY). Kept in this tab only.",
      uploadSend: "Upload",
      uploadNoFile: "Choose a file first.",
      phaseSending: "Sending and reading the file …",
      phaseQueued: "Waiting to start …",
      phaseReading: "Reading the files …",
      phaseEmbedding: "Embedding {done} of {total} texts",
      phaseEmbeddingChunks: "Embedding {chunks} passages …",
      phaseIndexing: "Writing the search index …",
      phaseRefining: "Searchable now; sharpening the ranking: {done} of {total} sentences",
      phaseDone: "Searchable",
      phaseFailed: "Stopped",
      progressFigure: "{phase} · {percent} % · {seconds} s",
      progressFigureNoPercent: "{phase} · {seconds} s",
      uploadDone: "Done: “{title}” is searchable after {seconds} s ({chunks} passages).",
      uploadFailed: "The document could not be added",
      openDocument: "Show the document",
      unreadablePages: "Pages that could not be read, not even with OCR: {pages}. Their text is not searchable.",
      ocrPages: "Pages read with OCR (check the quotes): {pages}.",
      aboutDocument: "About the document",
      aboutHint: "Given at upload or found in the document. Correct them here; the document is not embedded again.",
      saveMeta: "Save",
      metaSaved: "Saved.",
      metaUnchanged: "Nothing has changed.",
      error401: "Enter the right API key (PLANBOT_API_KEY) in the API key field.",
      error403: "This planbot accepts no uploads without a key. Ask whoever runs planbot for the API key.",
      error409: "The document is already there; it need not be uploaded again.",
      error413: "The file is too large. Split the document, or ask whoever runs planbot to raise the limit.",
      error415: "Save the document as PDF, HTML, Markdown or text and upload that.",
      error422: "Correct what is said above and try again.",
      errorUploadNetwork: "Could not reach planbot. Check the network and try again.",
    },
  };

  var DOC_TYPES = {
    sv: {
      lag: "Lag", proposition: "Proposition", pressmeddelande: "Pressmeddelande", artikel: "Artikel",
      regeringsuppdrag: "Regeringsuppdrag", remiss: "Remiss", lagrådsremiss: "Lagrådsremiss",
      webbsida: "Webbsida", plan: "Plan", dokument: "Dokument",
    },
    en: {
      lag: "Act", proposition: "Government bill", pressmeddelande: "Press release", artikel: "Article",
      regeringsuppdrag: "Government assignment", remiss: "Referral for consultation",
      lagrådsremiss: "Council on Legislation referral", webbsida: "Web page", plan: "Plan", dokument: "Document",
    },
  };

  var STORAGE_KEY = "planbot.lang";

  function safeStorage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  /* The stored choice, else the first of sv/en the browser lists, else Swedish. */
  function detect() {
    var store = safeStorage();
    var saved = store && store.getItem(STORAGE_KEY);
    if (saved && STRINGS[saved]) return saved;
    var prefs = navigator.languages || [navigator.language || "sv"];
    for (var i = 0; i < prefs.length; i++) {
      var code = String(prefs[i]).toLowerCase().slice(0, 2);
      if (code === "sv" || code === "en") return code;
    }
    return "sv";
  }

  function remember(lang) {
    var store = safeStorage();
    if (store) store.setItem(STORAGE_KEY, lang);
  }

  function create(lang) {
    var strings = STRINGS[lang] || STRINGS.sv;
    return {
      lang: STRINGS[lang] ? lang : "sv",
      t: function (key, vars) {
        var text = strings[key] || STRINGS.sv[key] || key;
        return text.replace(/\{(\w+)\}/g, function (_, name) {
          return vars && vars[name] != null ? String(vars[name]) : "";
        });
      },
      docType: function (type) {
        return (DOC_TYPES[lang] || DOC_TYPES.sv)[type] || type.charAt(0).toUpperCase() + type.slice(1);
      },
    };
  }

  return { detect: detect, remember: remember, create: create, languages: ["sv", "en"] };
})();
