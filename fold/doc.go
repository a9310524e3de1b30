// Package fold turns text into the words the search index keeps: lower
// case, accents removed (é→e, ő→o, õ→o, ł→l, ß→ss, …) for the seven
// languages of hark's demo (en, es, fr, pl, hu, et, de) and any other Latin
// script, split on everything that is not a letter or a digit.
//
// Both store backends and the query package use it, so a query folds
// exactly like the text it searches. It imports only the standard library
// and golang.org/x/text.
package fold
