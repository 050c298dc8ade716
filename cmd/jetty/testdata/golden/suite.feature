@external @preset:Tiny_SaaS
Feature: Reports
  TestReports in example.com/suite/expired: speed GREEN, stable -, production GREEN; coverage uncovered 1/2, missing T-LOAD

  @speed
  Scenario: exports a report

  @production @T-HEAD
  Scenario: sends security headers

@internal
Feature: Checkout
  TestCheckout in example.com/suite/gated: speed GREEN, stable RED 1/2, production GATED; coverage not required

  @speed
  Scenario: pays
    Then the order is paid

  @stable
  Scenario: refuses a bad card › expired
    When I pay with an expired card
    Then the payment is refused

  @stable
  Scenario: refuses a bad card › stolen
    # failed
    When I pay with an stolen card
    Then the payment is refused

  @production
  Scenario: is audited
    # skipped

@internal
Feature: Greeter
  TestGreeter in example.com/suite/green: speed GREEN, stable GREEN, production NOT REQUIRED; coverage not required

  @speed @smoke
  Scenario: greets by name
    Given Ana
    When she asks for a greeting
    Then she is greeted

  @stable
  Scenario: refuses a missing name
    When nobody asks
    Then the answer is 400

@external @preset:Tiny_SaaS
Feature: Login
  TestLogin in example.com/suite/partial: speed GREEN, stable -, production GREEN; coverage partial 0/1, partly proven T-RATE

  @speed
  Scenario: signs in

  @production @T-RATE
  Scenario: limits attempts
    Then attempt 11 is refused

@internal
Feature: Cart
  TestCart in example.com/suite/red: speed RED 1/2, stable GATED, production GATED; coverage not required

  @speed
  Scenario: adds an item
    # failed
    When I add a book
    Then the cart holds it

  @speed
  Scenario: lists items

  @stable
  Scenario: rejects a negative quantity
    # skipped

  @production
  Scenario: survives load
    # skipped

@external @preset:Tiny_SaaS
Feature: Search
  TestSearch in example.com/suite/waived: speed GREEN, stable -, production GREEN; coverage covered 2/2

  @speed
  Scenario: finds a book
    Then it is listed

  @production @T-HEAD
  Scenario: sends security headers
    Then the grade is A
